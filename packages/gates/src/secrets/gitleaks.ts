import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The gitleaks executable on PATH, or undefined. Looked up without spawning anything. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface GitleaksResult {
  readonly ran: boolean;
  readonly leaks: boolean;
  readonly output: string;
}

/**
 * Runs gitleaks (8.19 or later) over the staged changes (`pre-commit`) or over a range of commits
 * (`pre-push`). Exit 1 is "leaks found"; any other failure is an error the gate reports as such.
 */
export function runGitleaks(cwd: string, scope: { staged: true } | { range: string }): GitleaksResult {
  const bin = findOnPath('gitleaks');
  if (!bin) return { ran: false, leaks: false, output: '' };
  const args =
    'staged' in scope
      ? ['git', '--pre-commit', '--staged', '--redact', '--no-banner', '--exit-code', '1', '.']
      : ['git', '--log-opts', scope.range, '--redact', '--no-banner', '--exit-code', '1', '.'];
  const result = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status === 0) return { ran: true, leaks: false, output };
  if (result.status === 1) return { ran: true, leaks: true, output };
  throw new Error(`gitleaks exited ${result.status}: ${output.split('\n').at(-1) ?? ''}`);
}
