import { spawnSync } from 'node:child_process';

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
