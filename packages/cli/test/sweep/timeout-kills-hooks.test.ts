import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactoryAsync } from '@factory/testkit';

/** A process that still runs: a zombie (killed, not yet reaped by an init that may never reap) is gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('factory sweep time-outs', () => {
  it('a repository that times out in a git hook leaves no process behind, the hook’s children included', async () => {
    const repo = makeTempRepo({ files: { 'README.md': 'x\n' } });
    const pidFile = join(repo.home, 'hook-child.pid');
    let pid: number | undefined;
    try {
      const remote = repo.addBareRemote();
      repo.git('push', '--quiet', 'origin', 'HEAD');
      // Someone else pushes: the sweep's fetch updates a ref, which runs reference-transaction.
      repo.write('README.md', 'y\n');
      repo.git('commit', '--quiet', '-am', 'upstream change');
      repo.git('push', '--quiet', 'origin', 'HEAD');
      repo.git('reset', '--quiet', '--hard', 'HEAD~1');
      repo.git('update-ref', '-d', `refs/remotes/origin/${repo.git('branch', '--show-current').trim()}`);
      const hook = join(repo.dir, '.git', 'hooks', 'reference-transaction');
      writeFileSync(hook, `#!/bin/sh\nsleep 600 >/dev/null 2>&1 &\necho $! > '${pidFile}'\nwait\n`);
      chmodSync(hook, 0o755);
      const manifest = join(repo.home, 'repos.yaml');
      writeFileSync(manifest, `repositories:\n  - path: ${repo.dir}\n`);
      assert.ok(remote);

      const run = await runFactoryAsync(
        ['sweep', '--manifest', manifest, '--timeout', '2', '--no-forges', '--json'],
        { env: { ...repo.env, FACTORY_HOME: join(repo.home, 'factory-home') }, timeoutMs: 30_000 },
      );
      assert.equal(run.status, 1, run.stderr);
      const result = JSON.parse(run.stdout) as {
        repositories: Array<{ status: string; problems: string[] }>;
      };
      assert.equal(result.repositories[0]!.status, 'timeout');
      assert.deepEqual(result.repositories[0]!.problems, ['timed out after 2 s']);
      assert.ok(existsSync(pidFile), 'the hook ran');
      pid = Number(readFileSync(pidFile, 'utf8'));
      assert.equal(alive(pid), false, `the hook's child ${pid} outlived the sweep`);
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      repo.cleanup();
    }
  });
});
