import { execFile } from 'node:child_process';

/**
 * The oldest Claude Code a work session accepts: 2.1.295 introduced `onFailure: "block"` on hook
 * entries, without which a guard that cannot start lets the tool call run.
 */
export const MIN_CLAUDE_VERSION = '2.1.295';

export type ClaudeCheck =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly problem: 'missing' | 'too-old' | 'unreadable'; readonly detail: string };

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Runs `claude --version` and checks it against MIN_CLAUDE_VERSION. */
export function checkClaude(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<ClaudeCheck> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { env, timeout: 30_000, encoding: 'utf8' }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ ok: false, problem: 'missing', detail: bin });
        return;
      }
      const version = /(\d+\.\d+\.\d+)/.exec(String(stdout ?? ''))?.[1];
      if (!version) {
        resolve({
          ok: false,
          problem: 'unreadable',
          detail: error ? String(error.message).split('\n')[0]! : String(stdout).trim().slice(0, 80),
        });
        return;
      }
      if (compareVersions(version, MIN_CLAUDE_VERSION) < 0) {
        resolve({ ok: false, problem: 'too-old', detail: version });
        return;
      }
      resolve({ ok: true, version });
    });
  });
}
