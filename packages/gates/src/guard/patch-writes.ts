import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { gitSubcommand, operands } from './effects.js';
import { protectedReason } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Files written by the contents of a patch or an archive: `git apply x.patch`, `patch -p1 < x.patch`,
 * `git am x.mbox` write the paths named inside the patch, `tar -xf x.tar` and `unzip x.zip` the paths
 * stored in the archive. When the patch or the archive is there to read (a file, a here-document), the
 * rule reads the paths out of it (an archive is listed with `tar -tf` / `unzip -Z1`, a process only on this
 * rare path) and refuses when one is a control file. A patch or an archive only known at run time (a pipe,
 * a download in the same command) passes here: the sandbox keeps the control files read-only.
 */

const MAX_LIST = 4 * 1024 * 1024;

/** The paths a unified or git diff writes (both sides: a rename removes one and writes the other). */
export function patchTargets(text: string): string[] {
  const paths = new Set<string>();
  for (const line of text.split('\n')) {
    const git = /^diff --git (?:"?a\/)?(\S+?)"? (?:"?b\/)?(\S+?)"?$/.exec(line);
    if (git) {
      paths.add(git[1]!);
      paths.add(git[2]!);
      continue;
    }
    const side = /^(?:\+\+\+|---) (?:[ab]\/)?([^\t\n]+?)(?:\t.*)?$/.exec(line);
    if (side && side[1] !== '/dev/null') paths.add(side[1]!.trim());
    const rename = /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    if (rename) paths.add(rename[1]!.trim());
  }
  return [...paths];
}

function patchText(input: RuleInput, inv: Invocation, files: readonly string[]): string | undefined {
  const base = inv.cwd ?? input.cwd;
  if (files.length > 0) {
    const texts = files.map((file) => input.readFile(resolve(base, file)));
    return texts.every((text) => text !== undefined) ? texts.join('\n') : undefined;
  }
  const redirect = inv.redirects.find((r) => r.op === '<');
  if (redirect?.path) return input.readFile(redirect.path);
  if (inv.stdin?.kind === 'text' && !inv.stdin.dynamic) return inv.stdin.text;
  return undefined;
}

function judgePaths(input: RuleInput, dir: string, paths: readonly string[], what: string): Hit[] {
  const ctx = { repoRoot: input.repoRoot, home: input.home };
  for (const path of paths) {
    const reason = protectedReason(resolve(dir, path), ctx, false);
    if (reason) return [{ detail: `${what} writes ${path}: ${reason}` }];
  }
  return [];
}

function listArchive(program: 'tar' | 'unzip', archive: string, cwd: string): string[] | undefined {
  const argv = program === 'tar' ? ['-tf', archive] : ['-Z1', archive];
  const result = spawnSync(program, argv, {
    cwd,
    timeout: 5000,
    maxBuffer: MAX_LIST,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.toString('utf8').split('\n').filter(Boolean);
}

function tarHits(input: RuleInput, inv: Invocation): Hit[] {
  const words = inv.args.map((arg) => arg.value ?? '');
  const first = words[0] ?? '';
  const cluster = /^[a-zA-Z]+$/.test(first) ? first : '';
  const extracts =
    /x/.test(cluster) ||
    words.some((word) => word === '--extract' || word === '--get' || /^-[a-zA-Z]*x/.test(word));
  // -O / --to-stdout extracts to the standard output, not to files.
  if (
    !extracts ||
    /O/.test(cluster) ||
    words.some((word) => /^-[a-zA-Z]*O[a-zA-Z]*$|^--to-stdout$/.test(word))
  )
    return [];
  let archive: string | undefined;
  let dir = inv.cwd;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-C' || word === '--directory') dir = dir && resolve(dir, words[i + 1] ?? '');
    else if (word.startsWith('--directory=')) dir = dir && resolve(dir, word.slice(12));
    else if (word.startsWith('--file=')) archive = word.slice(7);
    else if (word === '--file' || /^-[a-zA-Z]*f$/.test(word) || (i === 0 && /f/.test(cluster))) {
      // tar -xf ARCHIVE, tar xf ARCHIVE, tar -xzf ARCHIVE
      archive = words[i + 1];
    }
  }
  if (!archive || archive === '-' || !dir || !inv.cwd) return [];
  const entries = listArchive('tar', resolve(inv.cwd, archive), inv.cwd);
  return entries ? judgePaths(input, dir, entries, `tar -x ${archive}`) : [];
}

function unzipHits(input: RuleInput, inv: Invocation): Hit[] {
  const { flags, words } = operands(inv.args, 'dxP', []);
  if (flags.some((flag) => ['-l', '-v', '-t', '-p', '-c', '-Z', '-z'].includes(flag))) return [];
  const archive = words[0]?.value;
  const at = flags.indexOf('-d');
  const dir = inv.cwd && (at >= 0 ? resolve(inv.cwd, flags[at + 1] ?? '') : inv.cwd);
  if (!archive || !dir || !inv.cwd) return [];
  const entries = listArchive('unzip', resolve(inv.cwd, archive), inv.cwd);
  return entries ? judgePaths(input, dir, entries, `unzip ${archive}`) : [];
}

export const patchWrites: Rule = {
  id: 'patch-writes',
  category: 'gate-skip',
  description:
    'patches and archives that write control files: git apply, git am, patch, tar -x and unzip of a patch or an archive whose paths name one',
  decision: 'deny',
  alternative:
    'Leave the control files out of the patch or the archive (git apply --exclude=.husky/*, tar -x --exclude, or extract into a sub-folder and copy what you need); control files are the human’s to change',
  tools: ['Bash'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      const dir = inv.cwd;
      if (!dir) continue;
      if (inv.program === 'git') {
        const { subcommand, rest } = gitSubcommand(inv.args, inv.env);
        if (subcommand !== 'apply' && subcommand !== 'am') continue;
        const flags = rest.map((arg) => arg.value ?? '');
        if (
          flags.some((flag) =>
            /^--(abort|skip|quit|continue|show-current-patch|stat|numstat|summary|check)$/.test(flag),
          ) &&
          !flags.includes('--apply')
        )
          continue;
        if (flags.some((flag) => /^--(exclude|include|directory)/.test(flag))) continue;
        const files = operands(rest, 'pC', ['--exclude', '--include', '--directory']).words.map(
          (word) => word.value,
        );
        if (files.some((file) => file === undefined)) continue;
        const text = patchText(input, inv, files as string[]);
        if (text === undefined) continue;
        const root = subcommand === 'am' || !flags.includes('--no-index') ? (input.repoRoot ?? dir) : dir;
        hits.push(...judgePaths(input, root, patchTargets(text), `git ${subcommand}`));
      } else if (inv.program === 'patch') {
        const { flags, words } = operands(inv.args, 'pidoBDFgrVYz', ['--input', '--directory', '--output']);
        if (flags.some((flag) => flag === '--dry-run' || flag === '-o' || flag === '--output')) continue;
        const inputAt = flags.findIndex((flag) => flag === '-i' || flag === '--input');
        const file = inputAt >= 0 ? flags[inputAt + 1] : words[1]?.value;
        const text = patchText(input, inv, file ? [file] : []) ?? (words[0]?.value ? '' : undefined);
        if (text === undefined) continue;
        const dirAt = flags.findIndex((flag) => flag === '-d' || flag === '--directory');
        const base = dirAt >= 0 ? resolve(dir, flags[dirAt + 1] ?? '') : dir;
        // patch -pN strips N leading folders; without -p it would use the names as written.
        const stripAt = flags.findIndex((flag) => flag === '-p');
        const strip = stripAt >= 0 ? Number(flags[stripAt + 1]) : 0;
        const targets = patchTargets(text).map((path) =>
          path
            .split('/')
            .slice(Number.isFinite(strip) ? strip : 0)
            .join('/'),
        );
        // patch FILE PATCHFILE: FILE is the one written, whatever the patch names.
        const named = words[0]?.value ? [words[0].value] : [];
        hits.push(...judgePaths(input, base, [...named, ...targets, ...patchTargets(text)], 'patch'));
      } else if (inv.program === 'tar') hits.push(...tarHits(input, inv));
      else if (inv.program === 'unzip') hits.push(...unzipHits(input, inv));
    }
    return hits;
  },
};
