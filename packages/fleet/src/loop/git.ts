import { execFile, execFileSync } from 'node:child_process';

export interface GitOutcome {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** git in `cwd`, synchronously: the loop's git work is short and ordered (worktrees, status, refs). */
export function gitSync(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): GitOutcome {
  try {
    const stdout = execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
    });
    return { ok: true, stdout, stderr: '' };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message?: string };
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message ?? '') };
  }
}

/** git in `cwd` without blocking the event loop: a push runs the pre-push gates, which can take minutes. */
export function gitAsync(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<GitOutcome> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...(env ? { env } : {}) },
      (error, stdout, stderr) => {
        resolve({ ok: !error, stdout: String(stdout ?? ''), stderr: String(stderr ?? error?.message ?? '') });
      },
    );
  });
}

/** The last meaningful line of git's complaint, for a one-sentence reason. */
export function gitComplaint(outcome: GitOutcome): string {
  const lines = `${outcome.stderr}\n${outcome.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'));
  const pick = lines.find((line) => /^(fatal|error|!|remote: error)/.test(line)) ?? lines[lines.length - 1];
  const said = (pick ?? 'git failed').replace(/\.$/, '').slice(0, 200);
  // A rejected push says why in the remote's own words (a hook, a protected branch): keep them.
  const remote = lines.find((line) => /^remote: \S/.test(line) && line !== pick);
  if (said.startsWith('!') && remote) return `${said}: ${remote.replace(/\.$/, '').slice(0, 160)}`;
  // A local hook that said no (factory's gates): git only says "aborted by hook", or for a pre-push hook
  // "failed to push some refs"; the hook said why.
  const hook = lines.find((line) => /^factory: \S/.test(line) && line !== pick);
  return /\bhook\b|failed to push/.test(said) && hook
    ? `${said}: ${hook.replace(/\.$/, '').slice(0, 240)}`
    : said;
}

/** Paths with uncommitted or untracked changes (factory's own state folder is ignored by its .gitignore). */
export function dirtyFiles(cwd: string): string[] {
  const status = gitSync(cwd, ['status', '--porcelain', '--untracked-files=normal']);
  return status.stdout.split('\n').filter((line) => line.trim() !== '');
}
