import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * git as a child process, synchronously: the gates make a handful of calls, each a few milliseconds, and
 * a synchronous call keeps the order of effects obvious. Output stays a Buffer (file contents are bytes).
 */
export interface GitResult {
  readonly status: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function gitRaw(cwd: string, args: readonly string[], input?: string | Buffer): GitResult {
  const result = spawnSync('git', args, {
    cwd,
    input,
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** git that must succeed: its stdout as text, or an Error with git's own message. */
export function git(cwd: string, args: readonly string[], input?: string | Buffer): string {
  const result = gitRaw(cwd, args, input);
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.status}`}`);
  }
  return result.stdout.toString('utf8');
}

/** NUL-separated output, without the trailing empty entry. */
export function splitZ(text: string): string[] {
  const parts = text.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/**
 * This worktree's own git folder (`.git`, or the folder a linked worktree's `.git` file names), without a
 * git process. `GIT_DIR`, when git set it for the hook, wins.
 */
export function gitDirOf(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.GIT_DIR) return resolve(cwd, env.GIT_DIR);
  const dotGit = join(cwd, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const match = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    if (match) return resolve(cwd, match[1]!.trim());
  } catch {
    // fall through to git's own answer
  }
  return resolve(cwd, git(cwd, ['rev-parse', '--git-dir']).trim());
}

/** The git folder shared by every worktree (config, objects): the `commondir` of a linked worktree's own. */
export function commonDirOf(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const gitDir = gitDirOf(cwd, env);
  if (env.GIT_COMMON_DIR) return resolve(cwd, env.GIT_COMMON_DIR);
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

/** The index the commit is being built in: `GIT_INDEX_FILE` (set by git commit for its hooks) or the default. */
export function indexFileOf(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.GIT_INDEX_FILE ? resolve(cwd, env.GIT_INDEX_FILE) : join(gitDirOf(cwd, env), 'index');
}

/**
 * `git commit -- PATH` (and `--only`) builds the commit in a temporary index (`next-index-<pid>.lock`) and
 * has already written the index that stays afterwards into `index.lock`, which it renames into place when
 * the commit is made. A fixer's change staged only in the temporary index would leave the user's index
 * holding the content from before the fix: this names the lock file that must receive it too.
 */
export function pendingIndexOfPartialCommit(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.GIT_INDEX_FILE;
  if (!file || !/^next-index-\d+\.lock$/.test(basename(file))) return undefined;
  const pending = join(dirname(file), 'index.lock');
  return existsSync(pending) ? pending : undefined;
}

/** Most bytes of arguments one command line gets: far below Linux's ARG_MAX (E2BIG), as lint-staged does. */
export const maxArgBytes = 128 * 1024;

/** Splits a list of arguments into command lines that each stay under `limit` bytes. */
export function chunkArgs(args: readonly string[], limit = maxArgBytes): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const arg of args) {
    const bytes = Buffer.byteLength(arg) + 1;
    if (current.length > 0 && size + bytes > limit) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(arg);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * `git add` of exactly these paths: `--literal-pathspecs`, so that a file named `[ab].js` or `*.js` is that
 * file and never a glob that stages other (unstaged or untracked) files; long lists go in chunks.
 */
export function addLiteral(
  cwd: string,
  paths: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const chunk of chunkArgs(paths)) {
    const result = spawnSync('git', ['--literal-pathspecs', 'add', '--', ...chunk], {
      cwd,
      env: { ...env, GIT_OPTIONAL_LOCKS: '0' },
      encoding: 'utf8',
    });
    if (result.error) throw result.error;
    if (result.status !== 0)
      throw new Error(`git add failed: ${result.stderr.trim() || `exit ${result.status}`}`);
  }
}
