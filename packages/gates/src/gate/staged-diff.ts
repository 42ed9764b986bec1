/**
 * The one git process of a common commit: `git diff --cached --raw` of what is staged. The pre-commit hook
 * starts it itself, beside node, and pipes it to the gate (`--staged-from-stdin`): git is done by the time
 * node has started and loaded the gate (about 40 ms), so the diff costs a commit no wait. The output ends
 * with `stagedDiffComplete`, printed only when git succeeded: without it the gate runs the diff itself
 * (never taking a failed or cut diff for "nothing staged"). No static imports: this is on every commit.
 */
export const stagedDiffArgs = [
  'diff',
  '--cached',
  '--raw',
  '-z',
  '--no-abbrev',
  '--no-renames',
  '--no-ext-diff',
  '--diff-filter=ACMRT',
] as const;

/** What the hook prints after the diff when git succeeded. */
export const stagedDiffComplete = 'factory-staged-diff-complete';

/** The hook's command line (POSIX sh) that feeds the gate. */
export const stagedDiffShell = `{ git ${stagedDiffArgs.join(' ')} && printf '%s' ${stagedDiffComplete}; }`;

/** The diff the hook piped in, or undefined when it is not complete (git failed, or nothing came). */
export function completeStagedDiff(piped: string): string | undefined {
  return piped.endsWith(stagedDiffComplete) ? piped.slice(0, -stagedDiffComplete.length) : undefined;
}

/** Starts the staged diff in `cwd` (any folder of the working tree: raw paths are from the top). */
export function startStagedDiff(cwd: string): Promise<string> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', stagedDiffArgs, { cwd, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(
            `git diff --cached failed: ${Buffer.concat(err).toString('utf8').trim() || `exit ${code}`}`,
          ),
        );
    });
  });
}
