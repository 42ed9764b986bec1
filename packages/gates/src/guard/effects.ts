import type { Arg, Invocation } from './shell/analyze.js';
import { ddrescueOperands, FORMATTER } from './shell/programs.js';

/**
 * What one invocation does to files: which paths it writes or changes, which it deletes (and whether
 * recursively), which it reads. The rules decide on these, so `echo > f`, `tee f`, `sed -i`, `cp x f`,
 * `mv f x`, `chmod f`, `git checkout -- f` are all "a change to f".
 */

export interface FileTarget {
  readonly arg: Arg;
  /** The operation reaches everything under the path (rm -r, mv, cp -r, chmod -R). */
  readonly wholeTree: boolean;
  readonly verb: string;
  /**
   * `mv`/`cp` into a folder: the sources. When the target is a folder (it exists as one, ends with `/`,
   * or came with `-t`), what changes is `target/<source's name>` for each source, not the folder.
   */
  readonly into?: { readonly sources: readonly Arg[]; readonly folder: boolean };
}

export interface FileEffects {
  readonly writes: FileTarget[];
  readonly deletes: FileTarget[];
  readonly reads: Arg[];
}

const WRITE_REDIRECTS = new Set(['>', '>>', '>|', '&>', '&>>', '<>', '>&']);

function argOf(raw: string, path: string | undefined): Arg {
  return {
    value: path,
    raw,
    dynamicStart: path === undefined,
    split: false,
    glob: /[*?[]/.test(raw) && path !== undefined,
    fetch: false,
  };
}

/** Splits arguments into options and operands, knowing which options take a value. */
export function operands(
  args: readonly Arg[],
  valueShort = '',
  valueLong: readonly string[] = [],
): { flags: string[]; words: Arg[] } {
  const flags: string[] = [];
  const words: Arg[] = [];
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const text = arg.value;
    if (endOfOptions || text === undefined || !text.startsWith('-') || text === '-') {
      words.push(arg);
      continue;
    }
    if (text === '--') {
      endOfOptions = true;
      continue;
    }
    if (text.startsWith('--')) {
      flags.push(text);
      if (valueLong.includes(text)) {
        flags.push(args[i + 1]?.value ?? '');
        i++;
      }
      continue;
    }
    for (let k = 1; k < text.length; k++) {
      const letter = text[k]!;
      flags.push(`-${letter}`);
      if (valueShort.includes(letter)) {
        if (k === text.length - 1) {
          flags.push(args[i + 1]?.value ?? '');
          i++;
        } else flags.push(text.slice(k + 1));
        break;
      }
    }
  }
  return { flags, words };
}

function hasRecursive(flags: readonly string[]): boolean {
  return flags.some(
    (flag) =>
      flag === '-r' || flag === '-R' || flag === '--recursive' || flag === '-a' || flag === '--archive',
  );
}

export function fileEffects(inv: Invocation): FileEffects {
  const writes: FileTarget[] = [];
  const deletes: FileTarget[] = [];
  const reads: Arg[] = [];
  for (const redirect of inv.redirects) {
    const arg = argOf(redirect.raw, redirect.path);
    if (WRITE_REDIRECTS.has(redirect.op))
      writes.push({ arg, wholeTree: false, verb: `redirect ${redirect.op}` });
    else if (redirect.op === '<') reads.push(arg);
  }
  const args = inv.args;
  const program = inv.program;
  switch (program) {
    case 'tee': {
      for (const word of operands(args).words) writes.push({ arg: word, wholeTree: false, verb: 'tee' });
      break;
    }
    case 'sed':
    case 'gsed': {
      const inPlace = args.some((arg) => /^(-[nErsuz]*i|--in-place)/.test(arg.value ?? ''));
      const { flags, words } = operands(args, 'efl', ['--expression', '--file', '--line-length']);
      const hasScript =
        flags.includes('-e') ||
        flags.includes('-f') ||
        flags.includes('--expression') ||
        flags.includes('--file');
      const files = hasScript ? words : words.slice(1);
      for (const file of files) {
        if (inPlace) writes.push({ arg: file, wholeTree: false, verb: 'sed -i' });
        else reads.push(file);
      }
      break;
    }
    case 'perl': {
      const inPlace = args.some((arg) => /^-[a-zA-Z]*i/.test(arg.value ?? ''));
      if (inPlace) {
        const codeIndex = args.findIndex((arg) => /^-[a-zA-Z]*[eE]$/.test(arg.value ?? ''));
        const files = args
          .slice(codeIndex >= 0 ? codeIndex + 2 : 0)
          .filter((arg) => !(arg.value ?? '').startsWith('-'));
        for (const file of files) writes.push({ arg: file, wholeTree: false, verb: 'perl -i' });
      }
      break;
    }
    case 'cp':
    case 'install':
    case 'ln':
    case 'rsync':
    case 'scp':
    case 'mv': {
      const { flags, words } = operands(args, program === 'rsync' ? 'efT' : 'tSm', [
        '--target-directory',
        '--suffix',
        '--mode',
        '-e',
      ]);
      const targetIndex = flags.findIndex((flag) => flag === '-t' || flag === '--target-directory');
      const target =
        targetIndex >= 0 ? argOf(flags[targetIndex + 1] ?? '', flags[targetIndex + 1]) : words.at(-1);
      const sources = targetIndex >= 0 ? words : words.slice(0, -1);
      const recursive = program === 'mv' || hasRecursive(flags);
      // -T: the target is the path itself, never a folder to move into.
      const noTargetFolder = flags.includes('-T') || flags.includes('--no-target-directory');
      const into =
        (program === 'mv' || program === 'cp') && !noTargetFolder && sources.length > 0
          ? { sources, folder: targetIndex >= 0 || sources.length > 1 }
          : undefined;
      if (target)
        writes.push({
          arg: target,
          wholeTree: recursive || program === 'ln',
          verb: program,
          ...(into ? { into } : {}),
        });
      for (const source of sources) {
        if (program === 'mv') deletes.push({ arg: source, wholeTree: true, verb: 'mv' });
        // A link to a file is a way to write it later under another name (ln -s .husky/pre-commit x).
        else if (program === 'ln') writes.push({ arg: source, wholeTree: false, verb: 'ln (link to)' });
        else reads.push(source);
      }
      break;
    }
    case 'rm':
    case 'unlink':
    case 'shred':
    case 'rmdir':
    case 'srm':
    case 'trash':
    case 'trash-put': {
      const { flags, words } = operands(args, program === 'shred' ? 'nsx' : '');
      const recursive = hasRecursive(flags) || program === 'trash' || program === 'trash-put';
      for (const word of words) deletes.push({ arg: word, wholeTree: recursive, verb: program });
      if (inv.items && recursive)
        deletes.push({ arg: argOf('{}', undefined), wholeTree: true, verb: program });
      break;
    }
    case 'truncate':
    case 'touch':
    case 'mkdir':
    case 'chattr':
    case 'setfacl': {
      const { words } = operands(args, program === 'truncate' ? 'sr' : program === 'touch' ? 'dtr' : 'm');
      for (const word of words) writes.push({ arg: word, wholeTree: false, verb: program });
      break;
    }
    case 'chmod':
    case 'chown':
    case 'chgrp': {
      // A mode can look like an option (chmod -x f): only these are options.
      const options = /^(-[RfvcHLP]+|--[a-z-]+(=.*)?)$/;
      const recursive = args.some(
        (arg) => /^-[a-zA-Z]*R/.test(arg.value ?? '') || arg.value === '--recursive',
      );
      const hasReference = args.some((arg) => (arg.value ?? '').startsWith('--reference'));
      const words = args.filter((arg) => arg.value === undefined || !options.test(arg.value));
      for (const word of hasReference ? words : words.slice(1))
        writes.push({ arg: word, wholeTree: recursive, verb: program });
      break;
    }
    case 'dd': {
      for (const arg of args) {
        const text = arg.value ?? '';
        if (text.startsWith('of='))
          writes.push({ arg: argOf(text.slice(3), text.slice(3)), wholeTree: false, verb: 'dd' });
        if (text.startsWith('if=')) reads.push(argOf(text.slice(3), text.slice(3)));
      }
      break;
    }
    case 'ddrescue': {
      for (const word of ddrescueOperands(args).slice(1))
        writes.push({ arg: word, wholeTree: false, verb: 'ddrescue' });
      break;
    }
    case 'sqlite3': {
      const db = operands(args, '', ['-cmd', '-separator', '-newline', '-nullvalue']).words[0];
      if (db) writes.push({ arg: db, wholeTree: false, verb: 'sqlite3' });
      break;
    }
    case 'curl':
    case 'wget': {
      args.forEach((arg, i) => {
        const text = arg.value ?? '';
        if (
          ['-o', '-O', '--output', '--output-document'].includes(text) &&
          args[i + 1] &&
          !(program === 'curl' && text === '-O')
        )
          writes.push({ arg: args[i + 1]!, wholeTree: false, verb: program });
      });
      break;
    }
    case 'git': {
      gitFileEffects(args, inv.env, writes, deletes);
      break;
    }
    default:
      // mkfs.ext4 [options] FILE [size]: every operand may be the file it formats.
      if (FORMATTER.test(program))
        for (const word of operands(args, 'bCcdEeGgIiJjLlMmNOorTtU').words)
          writes.push({ arg: word, wholeTree: false, verb: program });
  }
  return { writes, deletes, reads };
}

/** git subcommands that overwrite or remove working-tree files: checkout/restore paths, rm, mv. */
function gitFileEffects(
  args: readonly Arg[],
  env: ReadonlyMap<string, string | undefined>,
  writes: FileTarget[],
  deletes: FileTarget[],
): void {
  const { subcommand, rest } = gitSubcommand(args, env);
  if (subcommand === 'checkout' || subcommand === 'restore') {
    if (rest.some((arg) => ['-h', '--help', '--version'].includes(arg.value ?? ''))) return;
    if (subcommand === 'restore') {
      const flags = rest.map((arg) => arg.value ?? '');
      const staged = flags.some((flag) => /^--sta/.test(flag) || /^-[a-zA-Z]*S/.test(flag));
      const worktree = flags.some((flag) => /^--wo/.test(flag) || /^-[a-zA-Z]*W/.test(flag));
      // `git restore --staged` only unstages: the working tree is untouched.
      if (staged && !worktree) return;
    }
    const dash = rest.findIndex((arg) => arg.value === '--');
    const { words } = operands(rest, subcommand === 'checkout' ? 'bB' : 's', ['--source', '--orphan']);
    const paths = dash >= 0 ? rest.slice(dash + 1) : subcommand === 'restore' ? words : words.slice(1);
    for (const path of paths) writes.push({ arg: path, wholeTree: true, verb: `git ${subcommand}` });
  } else if (subcommand === 'rm') {
    // `git rm --cached` only removes from the index: the files stay.
    if (rest.some((arg) => arg.value === '--cached')) return;
    for (const path of operands(rest).words) deletes.push({ arg: path, wholeTree: true, verb: 'git rm' });
  } else if (subcommand === 'mv') {
    for (const path of operands(rest).words) deletes.push({ arg: path, wholeTree: true, verb: 'git mv' });
  }
}

export interface GitCall {
  readonly subcommand: string | undefined;
  readonly rest: readonly Arg[];
  /** `-c key=value` and `--config-env` settings given on the command line. */
  readonly config: Array<{ key: string; value: string | undefined }>;
  /** `-C dir` folders. */
  readonly dirs: readonly Arg[];
  /** A run-time word where git's own options or the subcommand are. */
  readonly dynamic: boolean;
  /** The alias the subcommand came from (`git -c alias.st=status st` is `git status`). */
  readonly alias?: string | undefined;
}

/** git's own commands (builtins and the usual porcelain). Anything else is an alias or an add-on. */
export const GIT_SUBCOMMANDS: ReadonlySet<string> = new Set(
  `add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore check-mailmap
  check-ref-format checkout checkout-index cherry cherry-pick citool clean clone column commit commit-graph
  commit-tree config count-objects credential describe diff diff-files diff-index diff-tree difftool
  fast-export fast-import fetch fetch-pack filter-branch for-each-ref for-each-repo format-patch fsck gc
  get-tar-commit-id grep gui hash-object help hook http-fetch index-pack init instaweb interpret-trailers
  log ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge merge-base merge-file merge-index
  merge-tree mergetool mktag mktree multi-pack-index mv name-rev notes pack-objects pack-redundant
  pack-refs patch-id prune prune-packed pull push range-diff read-tree rebase reflog remote repack replace
  request-pull rerere reset restore rev-list rev-parse revert rm send-email shortlog show show-branch
  show-index show-ref sparse-checkout stage stash status stripspace submodule switch symbolic-ref tag
  unpack-file unpack-objects update-index update-ref update-server-info var verify-commit verify-pack
  verify-tag version whatchanged worktree write-tree lfs filter-repo`.split(/\s+/),
);

/**
 * `GIT_CONFIG_COUNT=N GIT_CONFIG_KEY_0=k GIT_CONFIG_VALUE_0=v ... git ...` is `git -c k=v ...`: the
 * settings, when every one of them is written out; undefined when they are not (or there are none).
 */
export function gitEnvironmentConfig(
  env: ReadonlyMap<string, string | undefined>,
): Array<{ key: string; value: string }> | undefined {
  const count = env.get('GIT_CONFIG_COUNT');
  if (count === undefined || !/^\d{1,2}$/.test(count)) return undefined;
  const settings: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < Number(count); i++) {
    const key = env.get(`GIT_CONFIG_KEY_${i}`);
    const value = env.get(`GIT_CONFIG_VALUE_${i}`);
    if (key === undefined || value === undefined) return undefined;
    settings.push({ key: key.toLowerCase(), value });
  }
  // Keys beyond the count are ignored by git, but a stray one means the line is not what it seems.
  for (const name of env.keys()) {
    const index = /^GIT_CONFIG_(?:KEY|VALUE)_(\d+)$/.exec(name)?.[1];
    if (index !== undefined && Number(index) >= settings.length) return undefined;
  }
  return settings;
}

/** An alias value git runs as a git command line: plain words, no `!` (a shell command), no quoting. */
const PLAIN_ALIAS = /^[A-Za-z0-9][A-Za-z0-9 ._=/:@^~+,-]*$/;

const GIT_VALUE_OPTIONS = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--config-env',
  '--super-prefix',
  '--exec-path',
  '--list-cmds',
  '--attr-source',
]);

/** A git invocation of a command line, with its subcommand read. */
export interface GitInvocation {
  readonly inv: Invocation;
  readonly git: GitCall;
}

/** Every git invocation of the command line, each with its subcommand read once. */
export function gitCalls(invocations: readonly Invocation[]): GitInvocation[] {
  return invocations
    .filter((inv) => inv.program === 'git')
    .map((inv) => ({ inv, git: gitSubcommand(inv.args, inv.env) }));
}

export function gitSubcommand(
  args: readonly Arg[],
  env: ReadonlyMap<string, string | undefined> = new Map(),
): GitCall {
  const config: GitCall['config'] = [...(gitEnvironmentConfig(env) ?? [])];
  const dirs: Arg[] = [];
  let i = 0;
  let dynamic = false;
  while (i < args.length) {
    const arg = args[i]!;
    const text = arg.value;
    if (text === undefined) {
      dynamic = true;
      i++;
      continue;
    }
    if (!text.startsWith('-')) break;
    if (/^-c[^-=]/.test(text) || /^-C./.test(text)) {
      // Attached values: `-calias.x=!sh`, `-C/tmp`.
      if (text[1] === 'c') {
        const setting = text.slice(2);
        const eq = setting.indexOf('=');
        config.push({
          key: (eq >= 0 ? setting.slice(0, eq) : setting).toLowerCase(),
          value: eq >= 0 ? setting.slice(eq + 1) : undefined,
        });
      } else dirs.push({ ...arg, value: text.slice(2) });
      i++;
      continue;
    }
    const name = text.split('=')[0]!;
    if (GIT_VALUE_OPTIONS.has(name)) {
      const value = text.includes('=') ? text.slice(text.indexOf('=') + 1) : args[i + 1]?.value;
      if (name === '-c' || name === '--config-env') {
        const setting = value ?? '';
        const eq = setting.indexOf('=');
        config.push({
          key: (eq >= 0 ? setting.slice(0, eq) : setting).toLowerCase(),
          value: eq >= 0 ? setting.slice(eq + 1) : undefined,
        });
        if (value === undefined) dynamic = true;
      }
      if (name === '-C' && args[i + 1]) dirs.push(args[i + 1]!);
      i += text.includes('=') ? 1 : 2;
      continue;
    }
    i++;
  }
  const subcommand = args[i]?.value;
  const rest = args.slice(i + 1);
  // An alias given on the same line is followed: git runs its words in its place. Builtins cannot be
  // aliased (git runs the builtin), and a `!` alias is a shell command (the hooks-path rule refuses it).
  if (subcommand !== undefined && !GIT_SUBCOMMANDS.has(subcommand)) {
    const key = `alias.${subcommand.toLowerCase()}`;
    const defined = config.filter((setting) => setting.key === key);
    const value = defined.at(-1)?.value;
    if (value !== undefined && PLAIN_ALIAS.test(value.trim())) {
      const words = value.trim().split(/ +/);
      if (GIT_SUBCOMMANDS.has(words[0]!))
        return {
          subcommand: words[0],
          rest: [...words.slice(1).map(plainWord), ...rest],
          config: config.filter((setting) => setting.key !== key),
          dirs,
          dynamic,
          alias: subcommand,
        };
    }
  }
  return { subcommand, rest, config, dirs, dynamic };
}

function plainWord(value: string): Arg {
  return { value, raw: value, dynamicStart: false, split: false, glob: false, fetch: false };
}

/**
 * An option whose name is finished only at run time: `--hard$(true)`, `--no-ver${x}ify`, `-$F`. (A value
 * after `=` or after a short option's letter, `--author=$NAME`, `-m"$MSG"`, leaves the option known.)
 */
export function optionNameAtRunTime(raw: string): boolean {
  const text = raw.replace(/^['"]+/, '');
  if (!text.startsWith('-')) return false;
  const dynamic = text.search(/[$`]/);
  if (dynamic < 0) return false;
  if (text.startsWith('--')) {
    const eq = text.indexOf('=');
    return eq < 0 || dynamic < eq;
  }
  return dynamic <= 2 && /^-['"]?[$`]/.test(text);
}
