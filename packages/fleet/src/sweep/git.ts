import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileOffThread } from '@factory/core/proc/exec-off-thread';

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs git without a shell and without ever prompting (a sweep must not hang on a password prompt),
 * bounded by `timeoutMs` and by the caller's abort signal.
 */
export async function git(
  cwd: string,
  args: readonly string[],
  options: { timeoutMs?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<GitResult> {
  // Started from a helper thread: a sweep starts hundreds of git processes, and each start blocks the
  // thread that asks for it until the child has exec'd (see exec-off-thread).
  const result = await execFileOffThread('git', args, {
    cwd,
    env: {
      ...(options.env ?? process.env),
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '',
      SSH_ASKPASS: '',
      LC_ALL: 'C',
    },
    timeoutMs: options.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
    // A time-out or abort ends git and everything it started: hooks (reference-transaction runs on
    // fetch) and their children would otherwise outlive the sweep.
    killProcessGroup: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    code: result.error ? (result.code ?? 1) : 0,
    stdout: result.stdout,
    stderr: result.stderr || (result.error ? result.error.message : ''),
  };
}

/** The forge and project a remote URL points at, when it can be told from the URL alone. */
export function parseRemote(
  url: string,
  hosts: { github?: string | undefined; gitlab?: string | undefined } = {},
): { forge: 'github' | 'gitlab' | undefined; project: string | undefined } {
  let host = '';
  let path = '';
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (/^[a-z+]+:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      host = parsed.hostname;
      path = parsed.pathname;
    } catch {
      return { forge: undefined, project: undefined };
    }
  } else if (scp) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    return { forge: undefined, project: undefined };
  }
  const project =
    path
      .replace(/^\/+/, '')
      .replace(/\.git$/, '')
      .replace(/\/+$/, '') || undefined;
  const hostOf = (value: string | undefined) => {
    try {
      return value ? new URL(value).hostname : undefined;
    } catch {
      return undefined;
    }
  };
  let forge: 'github' | 'gitlab' | undefined;
  if (host === hostOf(hosts.gitlab) || /gitlab/i.test(host)) forge = 'gitlab';
  else if (host === hostOf(hosts.github) || /github/i.test(host)) forge = 'github';
  return { forge, project };
}

/**
 * The repository's own git folder and the common one (they differ in a linked worktree, whose `.git` file
 * points at its git folder, whose `commondir` points at the main one): read from files, no git process.
 */
export function gitDirs(repoPath: string): { gitDir: string; commonDir: string } | undefined {
  try {
    const dotGit = join(repoPath, '.git');
    if (!statSync(dotGit).isFile()) return { gitDir: dotGit, commonDir: dotGit };
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (!pointer) return undefined;
    const gitDir = resolve(repoPath, pointer);
    const common = join(gitDir, 'commondir');
    const commonDir = existsSync(common) ? resolve(gitDir, readFileSync(common, 'utf8').trim()) : gitDir;
    return { gitDir, commonDir };
  } catch {
    return undefined;
  }
}

/** What git leaves in a working tree's git folder while an operation waits for the user. */
const OPERATIONS: ReadonlyArray<readonly [marker: string, operation: string]> = [
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase or git am'],
  ['MERGE_HEAD', 'a merge'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
  ['BISECT_LOG', 'a bisect'],
];

/** The operation a working tree is stuck in the middle of (a rebase with conflicts, a merge), if any. */
export function operationInProgress(repoPath: string): string | undefined {
  const dirs = gitDirs(repoPath);
  if (!dirs) return undefined;
  return OPERATIONS.find(([marker]) => existsSync(join(dirs.gitDir, marker)))?.[1];
}

/**
 * The URL of the repository's `origin` remote, read from its git config file: no git process for it.
 * undefined when there is no origin or no readable config.
 */
export function originUrl(repoPath: string): string | undefined {
  try {
    const dirs = gitDirs(repoPath);
    if (!dirs) return undefined;
    let inOrigin = false;
    for (const raw of readFileSync(join(dirs.commonDir, 'config'), 'utf8').split('\n')) {
      const line = raw.trim();
      if (line.startsWith('[')) inOrigin = /^\[remote\s+"origin"\]$/.test(line);
      else if (inOrigin) {
        const url = /^url\s*=\s*(.*)$/.exec(line)?.[1]?.trim();
        if (url !== undefined) return url.replace(/^"(.*)"$/, '$1');
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}
