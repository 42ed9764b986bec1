import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { gitCalls, optionNameAtRunTime } from './effects.js';
import { secretReason } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import { findSecrets } from './secrets.js';
import type { Arg, Invocation } from './shell/analyze.js';

/**
 * git printing a secret without being given its name: `git log -p`, `git show`, `git diff HEAD~`,
 * `git stash show -p -u`, `git format-patch --stdout`, `git grep TOKEN`, `git archive HEAD` print every
 * file their commits, trees or matches hold, a tracked (or stashed, or once committed) `.env` among them;
 * `git remote -v`, `git config --get remote.origin.url`, `git config --list` print a token kept in a
 * remote's URL. The secret-git rule judges the paths a command names; these rules ask git itself, at
 * decision time and read-only, what the command would print: the same command with `--name-only` (or
 * `-l`, or `ls-tree` of an archive's tree), the names judged like any path; the configuration as git reads
 * it, its URLs scanned for credentials. Only these commands pay for the extra git process (a few ms); its
 * programs are off (`--no-ext-diff`, `--no-textconv`, no `-c` of the command, `core.fsmonitor=false`).
 */

const TIME_LIMIT_MS = 5000;
const MAX_OUTPUT = 16 * 1024 * 1024;

/** Options that print patches (file contents) in log, whatchanged, reflog and diff-tree and kin. */
const PATCH_OPTION =
  /^(-p|-u|--patch|--patch-with-stat|--patch-with-raw|--cc|-c|-m|--combined-all-paths|-U\d*|--unified(=.*)?|--word-diff(=.*)?|--word-diff-regex=.*|--color-words(=.*)?|-[a-zA-Z]*p[a-zA-Z]*|-W|--function-context|--binary|--full-index|-L.*|--diff-merges=.*)$/;
/** Output formats the name-only run replaces (its own must win). */
const OUTPUT_FORMAT =
  /^(-p|-u|--patch|--patch-with-stat|--patch-with-raw|-s|--no-patch|--stat(=.*)?|--numstat|--shortstat|--dirstat(=.*)?|--raw|--summary|--name-status|--name-only|--compact-summary|--check|-z|--binary|-U\d*|--unified(=.*)?|--word-diff(=.*)?|--word-diff-regex=.*|--color-words(=.*)?|--color(=.*)?|--ext-diff|--textconv|--output=.*|-W|--function-context|--format=.*|--pretty(=.*)?|--oneline|--graph|--cc|-c|--full-index)$/;
/** Options of these commands that take the next word as their value (kept with it). */
const LOG_VALUED: ReadonlySet<string> = new Set([
  '-n',
  '--max-count',
  '--skip',
  '--since',
  '--after',
  '--until',
  '--before',
  '--author',
  '--committer',
  '--grep',
  '-S',
  '-G',
  '--diff-filter',
  '--relative',
  '--prefix',
  '--remote',
  '--exec',
  '--format',
  '-o',
  '--output',
  '--output-directory',
  '--subject-prefix',
  '--in-reply-to',
  '--to',
  '--signature',
  '--signature-file',
  '--add-file',
  '--start-number',
  '--base',
  '--range-diff',
  '--interdiff',
  '--creation-factor',
  '-v',
  '--reroll-count',
]);

/** Output options that print no contents (unless a patch option comes with them). */
const STAT_ONLY =
  /^(--stat(=.*)?|--numstat|--shortstat|--dirstat(=.*)?|--name-only|--name-status|--raw|--summary|--compact-summary|-s|--no-patch|--quiet|--exit-code|--check)$/;

const LOG_LIKE = new Set(['log', 'whatchanged', 'reflog', 'diff-tree', 'diff-index', 'diff-files']);
const ALWAYS_CONTENT = new Set(['show', 'diff', 'fast-export']);

/** The global options of the git call that choose the repository (never `-c`: a setting may run a program). */
function repositoryOptions(args: readonly Arg[], subcommandAt: number): string[] {
  const kept: string[] = [];
  for (let i = 0; i < subcommandAt; i++) {
    const text = args[i]!.value ?? '';
    if (text === '-C' || text === '--git-dir' || text === '--work-tree') {
      kept.push(text, args[i + 1]?.value ?? '');
      i++;
    } else if (/^(-C.|--git-dir=|--work-tree=)/.test(text)) kept.push(text);
  }
  return kept;
}

interface GitRun {
  readonly names: string[];
  readonly failed?: string;
}

function runGit(argv: readonly string[], cwd: string, inv: Invocation, nul = true): GitRun {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' };
  for (const name of Object.keys(env))
    if (/^GIT_(EXTERNAL_DIFF|PAGER|EDITOR|SSH|SSH_COMMAND|ASKPASS|CONFIG_.*|TRACE.*)$/.test(name))
      delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) {
    const value = inv.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const result = spawnSync('git', ['-c', 'core.fsmonitor=false', ...argv], {
    cwd,
    env,
    timeout: TIME_LIMIT_MS,
    maxBuffer: MAX_OUTPUT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.error || result.signal) return { names: [], failed: 'git took too long or printed too much' };
  // git grep answers 1 when nothing matches; the others 0. Anything else: git did not understand the
  // command, so the real one fails too (and prints nothing).
  if (result.status !== 0) return { names: [] };
  return {
    names: result.stdout
      .toString('utf8')
      .split(nul ? '\0' : '\n')
      .filter(Boolean),
  };
}

/** The words after the subcommand, split at `--` (pathspecs after it), without the output options. */
function splitArgs(
  rest: readonly Arg[],
  drop: RegExp,
  valued: ReadonlySet<string> = LOG_VALUED,
): { options: string[]; paths: string[] } {
  const options: string[] = [];
  const paths: string[] = [];
  let after = false;
  for (let i = 0; i < rest.length; i++) {
    const text = rest[i]!.value!;
    if (after) paths.push(text);
    else if (text === '--') after = true;
    else if (valued.has(text)) {
      if (!drop.test(text)) options.push(text, rest[i + 1]?.value ?? '');
      i++;
    } else if (!drop.test(text)) options.push(text);
  }
  return { options, paths };
}

/** The name-only form of a command that prints contents, or undefined when it prints none. */
function nameOnlyArgv(subcommand: string, rest: readonly Arg[]): string[] | undefined {
  const words = rest.map((arg) => arg.value!);
  const hasPatch = words.some((word) => PATCH_OPTION.test(word));
  const safe = ['--no-ext-diff', '--no-textconv'];
  if (LOG_LIKE.has(subcommand)) {
    if (!hasPatch) return undefined;
    const { options, paths } = splitArgs(
      subcommand === 'reflog' && words[0] === 'show' ? rest.slice(1) : rest,
      OUTPUT_FORMAT,
    );
    const clean = options.filter((word) => !/^-L/.test(word) && !/^--diff-merges=/.test(word));
    const command = subcommand === 'reflog' || subcommand === 'whatchanged' ? 'log' : subcommand;
    const extra = subcommand === 'reflog' ? ['-g'] : [];
    // diff-tree and kin list a tree's top level unless recursive; log lists merges' files with -m.
    const whole = subcommand.startsWith('diff-') ? '-r' : '-m';
    return [command, ...extra, '--format=', '--name-only', '-z', ...safe, whole, ...clean, '--', ...paths];
  }
  if (subcommand === 'show') {
    if (words.some((word) => STAT_ONLY.test(word)) && !hasPatch) return undefined;
    const { options, paths } = splitArgs(rest, OUTPUT_FORMAT);
    return ['show', '--format=', '--name-only', '-z', '-m', ...safe, ...options, '--', ...paths];
  }
  if (subcommand === 'diff') {
    if (words.some((word) => STAT_ONLY.test(word)) && !hasPatch) return undefined;
    const { options, paths } = splitArgs(rest, OUTPUT_FORMAT);
    return ['diff', '--name-only', '-z', ...safe, ...options, '--', ...paths];
  }
  if (subcommand === 'stash') {
    // `-u` is --include-untracked here, not a patch.
    if (words[0] !== 'show' || !words.some((word) => /^(-p|--patch|-[a-zA-Z]*p[a-zA-Z]*)$/.test(word)))
      return undefined;
    const { options, paths } = splitArgs(
      rest.slice(1),
      /^(-p|--patch|--stat(=.*)?|--name-only|--name-status|-z|--ext-diff|--textconv|--color(=.*)?|-[a-zA-Z]*p[a-zA-Z]*)$/,
    );
    const untracked = words.some((word) => /^-[a-zA-Z]*u[a-zA-Z]*$/.test(word) && word !== '-u')
      ? ['-u']
      : [];
    return ['stash', 'show', '--name-only', '-z', ...safe, ...untracked, ...options, ...paths];
  }
  if (subcommand === 'fast-export') {
    if (words.includes('--no-data')) return undefined;
    const revisions = words.filter(
      (word) => !word.startsWith('-') || /^--(all|branches|tags|remotes)$/.test(word),
    );
    return ['log', '--format=', '--name-only', '-z', ...safe, '-m', ...revisions];
  }
  return undefined;
}

/** `git format-patch ...` run to standard output: the files its patches hold. */
function formatPatchNames(rest: readonly Arg[], cwd: string, inv: Invocation, global: string[]): GitRun {
  const { options, paths } = splitArgs(
    rest,
    /^(--stdout|-o|--output-directory(=.*)?|--output(=.*)?|--ext-diff|--textconv)$/,
  );
  const run = runGit(
    [...global, 'format-patch', '--stdout', '--no-ext-diff', '--no-textconv', ...options, '--', ...paths],
    cwd,
    inv,
    false,
  );
  const names = run.names
    .map((line) => /^diff --git a\/(.*) b\/(.*)$/.exec(line))
    .flatMap((match) => (match ? [match[1]!, match[2]!] : []));
  return { names, ...(run.failed ? { failed: run.failed } : {}) };
}

/** `git archive TREE [PATH...]`: the files of the archive, from `ls-tree`. */
function archiveNames(rest: readonly Arg[], cwd: string, inv: Invocation, global: string[]): GitRun {
  const words: string[] = [];
  const valued = new Set([
    '-o',
    '--output',
    '--prefix',
    '--format',
    '--remote',
    '--exec',
    '--add-file',
    '--add-virtual-file',
    '--mtime',
  ]);
  let repository = global;
  for (let i = 0; i < rest.length; i++) {
    const text = rest[i]!.value!;
    if (text === '--') continue;
    const remote =
      text === '--remote' ? rest[i + 1]?.value : text.startsWith('--remote=') ? text.slice(9) : undefined;
    if (remote !== undefined) {
      // Another machine's repository holds none of this one's secrets; a local path is a repository here.
      const local = /^(\.{1,2}(\/|$)|\/|file:\/\/)/.test(remote)
        ? remote.replace(/^file:\/\//, '')
        : undefined;
      if (local === undefined) return { names: [] };
      repository = [...global, '-C', local];
    }
    if (valued.has(text)) i++;
    else if (!text.startsWith('-')) words.push(text);
  }
  const [tree, ...paths] = words;
  if (tree === undefined) return { names: [] };
  return runGit([...repository, 'ls-tree', '-r', '--name-only', '-z', tree, '--', ...paths], cwd, inv);
}

const GREP_VALUED: ReadonlySet<string> = new Set([
  '-e',
  '-f',
  '-m',
  '--max-count',
  '--max-depth',
  '--threads',
  '-A',
  '-B',
  '-C',
  '--after-context',
  '--before-context',
  '--context',
]);

/** `git grep ...`: the files it would print lines of (`-l`); none when it prints only names or counts. */
function grepNames(rest: readonly Arg[], cwd: string, inv: Invocation, global: string[]): GitRun {
  const words = rest.map((arg) => arg.value!);
  if (
    words.some((word) =>
      /^(-l|-L|--files-with-matches|--files-without-match|--name-only|-c|--count|-q|--quiet)$/.test(word),
    )
  )
    return { names: [] };
  const { options, paths } = splitArgs(
    rest,
    /^(-n|--line-number|--column|-h|-H|--heading|--break|-p|--show-function|-W|--function-context|-o|--only-matching|--color(=.*)?|--full-name|-z|--null|-O.*|--open-files-in-pager(=.*)?|--textconv|-[ABC]\d*|--(after|before)-context(=.*)?|--context(=.*)?)$/,
    GREP_VALUED,
  );
  const clean = options.filter((word) => !/^-[ABC]\d+$/.test(word));
  return runGit([...global, 'grep', '-l', '-z', '--no-textconv', ...clean, '--', ...paths], cwd, inv);
}

/** `--name=VALUE` whose value only is known at run time (the option itself is known). */
function runTimeValueOfOption(raw: string): boolean {
  const text = raw.replace(/^['"]+/, '');
  return /^--[\w-]+=/.test(text) && !optionNameAtRunTime(raw);
}

function secretNames(input: RuleInput, names: readonly string[], base: string): string[] {
  const ctx = { repoRoot: input.repoRoot, home: input.home };
  const found = new Set<string>();
  for (const name of names) {
    // `REV:path` from grep and stash of a revision: the path after the object name.
    const path = name.replace(/^[^:/]*:(?!\/)/, '');
    if (secretReason(resolve(base, path), ctx)) found.add(path);
  }
  return [...found];
}

/** Commands that print an object named by its id: a blob's id prints the file's contents. */
const OBJECT_PRINTERS = new Set(['show', 'cat-file', 'diff']);

/**
 * `git cat-file -p 3b18e51`, `git show 3b18e51`: a blob named by its id is a file's contents without its
 * name (the id is in `git ls-tree HEAD`). git says where the blob appears (`log --all --find-object`, the
 * index); `cat-file --batch-all-objects` prints every object, so it is judged on the whole history.
 */
function objectHits(input: RuleInput, inv: Invocation, subcommand: string, rest: readonly Arg[]): Hit[] {
  if (!OBJECT_PRINTERS.has(subcommand)) return [];
  const cwd = inv.cwd ?? input.cwd;
  const global = repositoryOptions(inv.args, inv.args.length - rest.length - 1);
  const words = rest.map((arg) => arg.value);
  if (
    subcommand === 'cat-file' &&
    words.includes('--batch-all-objects') &&
    words.some((word) => word !== undefined && /^--batch(-command)?(=|$)/.test(word))
  ) {
    const everything = [
      ...runGit(
        [...global, 'log', '--all', '--format=', '--name-only', '-z', '-m', '--no-ext-diff'],
        cwd,
        inv,
      ).names,
      ...runGit([...global, 'ls-files', '-z', '--cached'], cwd, inv).names,
    ];
    const found = secretNames(input, everything, cwd);
    return found.length > 0
      ? [{ detail: `git cat-file --batch-all-objects prints every object, ${found[0]} among them` }]
      : [];
  }
  const hits: Hit[] = [];
  for (const word of words) {
    if (word === undefined || !/^[0-9a-f]{4,64}$/i.test(word)) continue;
    const type = runGit([...global, 'cat-file', '-t', word], cwd, inv, false).names[0];
    if (type !== 'blob') continue;
    const full =
      runGit([...global, 'rev-parse', '--verify', '--quiet', word], cwd, inv, false).names[0] ?? word;
    const names = [
      ...runGit(
        [...global, 'log', '--all', `--find-object=${full}`, '--format=', '--name-only', '-z', '-m'],
        cwd,
        inv,
      ).names,
      ...runGit([...global, 'ls-files', '-s', '-z'], cwd, inv)
        .names.filter((line) => line.split(' ')[1] === full)
        .map((line) => line.slice(line.indexOf('\t') + 1)),
    ];
    const found = secretNames(input, names, cwd);
    if (found.length > 0)
      hits.push({ detail: `git ${subcommand} ${word} prints the contents of ${found[0]}` });
  }
  return hits;
}

export const secretGitOutput: Rule = {
  id: 'secret-git-output',
  category: 'secrets',
  description:
    'git printing the contents of a secret file it was not asked about by name (git log -p, git show, git diff REV, git stash show -p, git format-patch, git grep, git archive)',
  decision: 'deny',
  alternative:
    'Leave the secret file out: name the paths you need (git log -p -- src/), exclude it (git diff HEAD~ -- . ":(exclude).env"), or look without contents (git log --stat, git show --stat, git grep -l)',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const { inv, git: call } of gitCalls(input.analysis?.invocations ?? [])) {
      const { subcommand, rest } = call;
      if (subcommand === undefined) continue;
      hits.push(...objectHits(input, inv, subcommand, rest));
      const contentCommand =
        LOG_LIKE.has(subcommand) ||
        ALWAYS_CONTENT.has(subcommand) ||
        ['stash', 'format-patch', 'archive', 'grep'].includes(subcommand);
      if (!contentCommand) continue;
      if (subcommand === 'diff' && rest.some((arg) => arg.value === '--no-index')) continue;
      const atSubcommand = inv.args.length - rest.length - 1;
      const global = repositoryOptions(inv.args, atSubcommand);
      // A run-time value of a named option (`--author=$USER`, `--since="$DATE"`) only narrows what is
      // printed: the check goes on without it. Any other run-time word may be an option or a revision.
      const known = rest.filter((arg) => arg.value !== undefined || !runTimeValueOfOption(arg.raw));
      const unknown = known.some((arg) => arg.value === undefined);
      const patchNeeded = LOG_LIKE.has(subcommand) || subcommand === 'stash';
      if (patchNeeded && !unknown && nameOnlyArgv(subcommand, known) === undefined) continue;
      if (call.dynamic || unknown || inv.cwd === undefined) {
        // Words only known at run time (`git log -p $RANGE`, `git show "$REV"`): what the command prints is
        // unknown, but none of it can be a secret file when no commit, stash or index entry holds one.
        const cwd = inv.cwd ?? input.cwd;
        const everything = [
          ...runGit(
            [...global, 'log', '--all', '--format=', '--name-only', '-z', '-m', '--no-ext-diff'],
            cwd,
            inv,
          ).names,
          ...runGit([...global, 'ls-files', '-z', '--cached'], cwd, inv).names,
        ];
        if (secretNames(input, everything, cwd).length > 0)
          hits.push({
            detail: `git ${subcommand} with words only known at run time, in a repository whose history holds a secret file: what it prints cannot be checked`,
            decision: input.config.unanalysable,
          });
        continue;
      }
      let run: GitRun;
      if (subcommand === 'format-patch') run = formatPatchNames(known, inv.cwd, inv, global);
      else if (subcommand === 'archive') run = archiveNames(known, inv.cwd, inv, global);
      else if (subcommand === 'grep') run = grepNames(known, inv.cwd, inv, global);
      else {
        const argv = nameOnlyArgv(subcommand, known);
        if (!argv) continue;
        run = runGit([...global, ...argv], inv.cwd, inv);
      }
      if (run.failed) {
        hits.push({
          detail: `git ${subcommand}: ${run.failed} to check what it prints for secret files`,
          decision: input.config.unanalysable,
        });
        continue;
      }
      // Names are judged by what they are called (.env, id_rsa, *.pem): the folder they are relative to
      // (the top level, or the current folder for grep) does not change that.
      const found = secretNames(input, run.names, inv.cwd);
      if (found.length > 0)
        hits.push({
          detail: `git ${subcommand} would print the contents of ${found.slice(0, 3).join(', ')}${found.length > 3 ? ` and ${found.length - 3} more` : ''}`,
        });
    }
    return hits;
  },
};

// ---- configuration: tokens in remote URLs ------------------------------------------------------------

/** What a git call prints of the configuration: every key, the remotes' URLs, or one key. */
function printedKeys(subcommand: string, rest: readonly Arg[]): ((key: string) => boolean) | undefined {
  const words = rest.map((arg) => arg.value ?? '');
  const remoteKey = (key: string) =>
    /^(remote\..*\.(url|pushurl)|url\..*\.(insteadof|pushinsteadof))$/.test(key);
  if (subcommand === 'remote') {
    const verb = words.find((word) => !word.startsWith('-'));
    if (verb === undefined)
      return words.some((word) => /^(-v|--verbose)$/.test(word)) ? remoteKey : undefined;
    if (['get-url', 'show'].includes(verb)) return remoteKey;
    return undefined;
  }
  if (subcommand === 'ls-remote') return words.includes('--get-url') ? remoteKey : undefined;
  if (subcommand === 'config') {
    const verb = words[0];
    if (
      verb === 'list' ||
      words.some((word) => /^(-l|--list|--get-regexp|--get-urlmatch)$/.test(word)) ||
      (verb === 'get' && words.includes('--regexp'))
    )
      return () => true;
    const names = words.filter((word) => !word.startsWith('-'));
    const reading =
      verb === 'get' ||
      words.some((word) => /^(--get|--get-all|--get-color|--get-colorbool)$/.test(word)) ||
      (names.length === 1 &&
        !words.some((word) =>
          /^--(unset|unset-all|add|replace-all|rename-section|remove-section|edit)$/.test(word),
        ));
    if (!reading) return undefined;
    const key = (verb === 'get' ? names[1] : names[0])?.toLowerCase();
    if (key === undefined) return undefined;
    return (candidate) => candidate === key || (key.startsWith('url.') && candidate.startsWith('url.'));
  }
  return undefined;
}

/**
 * `http.<url>.extraHeader = AUTHORIZATION: basic ...`, as CI checkouts leave in .git/config: a token,
 * base64-encoded so that no token pattern sees it.
 */
export const AUTH_HEADER =
  /extraheader\s*=\s*["']?\s*(authorization|proxy-authorization|private-token|x-api-key)\b/i;

/** `git config --global --list` reads one file: the scope options of a config command, kept for the read. */
function configScope(subcommand: string, rest: readonly Arg[]): string[] {
  if (subcommand !== 'config') return [];
  const scope: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const text = rest[i]!.value ?? '';
    if (/^--(global|system|local|worktree|includes|no-includes)$/.test(text)) scope.push(text);
    else if (/^(--file|-f|--blob)$/.test(text)) {
      scope.push(text, rest[i + 1]?.value ?? '');
      i++;
    } else if (/^--(file|blob)=/.test(text)) scope.push(text);
  }
  return scope;
}

export const secretGitConfig: Rule = {
  id: 'secret-git-config',
  category: 'secrets',
  description: "git printing a credential kept in its configuration (a token in a remote's URL)",
  decision: 'deny',
  alternative:
    'The URL holds a credential: ask the human to move it into a credential helper; git remote (names only) and git branch -vv show what you need about the remotes',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const { inv, git: call } of gitCalls(input.analysis?.invocations ?? [])) {
      if (call.subcommand === undefined) continue;
      const printed = printedKeys(call.subcommand, call.rest);
      if (!printed) continue;
      const cwd = inv.cwd ?? input.cwd;
      const global = repositoryOptions(inv.args, inv.args.length - call.rest.length - 1);
      const run = runGit(
        [...global, 'config', ...configScope(call.subcommand, call.rest), '--list', '-z'],
        cwd,
        inv,
      );
      const shown = [
        ...run.names.map((entry) => {
          const at = entry.indexOf('\n');
          return { key: at < 0 ? entry : entry.slice(0, at), value: at < 0 ? '' : entry.slice(at + 1) };
        }),
        // `-c` settings of the command itself are printed too.
        ...call.config.map((setting) => ({ key: setting.key, value: setting.value ?? '' })),
      ].filter((entry) => printed(entry.key.toLowerCase()));
      const leaking = shown.filter(
        (entry) =>
          findSecrets(`${entry.key.startsWith('url.') ? entry.key : ''} ${entry.value}`).length > 0 ||
          AUTH_HEADER.test(`${entry.key}=${entry.value}`),
      );
      if (leaking.length > 0)
        hits.push({
          detail: `git ${call.subcommand} prints ${leaking.map((entry) => entry.key).join(', ')}, which holds a credential`,
        });
    }
    return hits;
  },
};
