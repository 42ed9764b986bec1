import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execFileOffThread } from '@factory/core/proc/exec-off-thread';
import { makeTempDir } from '@factory/testkit';

describe('execFileOffThread', () => {
  it('runs real processes from the helper thread: output, exit codes, a missing executable', async () => {
    const dir = makeTempDir('factory-offthread-');
    try {
      const ok = await execFileOffThread('git', ['--version'], { cwd: dir.dir });
      assert.equal(ok.code, 0);
      assert.match(ok.stdout, /^git version /);
      assert.equal(ok.error, undefined);

      const failed = await execFileOffThread('sh', ['-c', 'echo out; echo err >&2; exit 3'], {
        cwd: dir.dir,
      });
      assert.deepEqual(
        { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, errorCode: failed.error?.code },
        { code: 3, stdout: 'out\n', stderr: 'err\n', errorCode: 3 },
      );

      const env = { ...process.env, FACTORY_OFFTHREAD_PROBE: 'seen' };
      const withEnv = await execFileOffThread('sh', ['-c', 'printf %s "$FACTORY_OFFTHREAD_PROBE"; pwd'], {
        cwd: dir.dir,
        env,
      });
      assert.equal(withEnv.stdout, `seen${dir.dir}\n`);

      const missing = await execFileOffThread('factory-no-such-program', [], { cwd: dir.dir });
      assert.equal(missing.code, null);
      assert.equal(missing.error?.code, 'ENOENT');

      // Many at once all come back, each with its own output.
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => execFileOffThread('sh', ['-c', `echo ${i}`], { cwd: dir.dir })),
      );
      assert.deepEqual(
        many.map((r) => r.stdout),
        Array.from({ length: 20 }, (_, i) => `${i}\n`),
      );
    } finally {
      dir.cleanup();
    }
  });

  it('kills the child on abort and on time-out, without waiting for it', async () => {
    const dir = makeTempDir('factory-offthread-');
    try {
      const controller = new AbortController();
      const started = performance.now();
      const pending = execFileOffThread('sleep', ['30'], { cwd: dir.dir, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const aborted = await pending;
      assert.equal(aborted.code, null);
      assert.ok(aborted.error, 'an aborted child reports an error');

      const timedOut = await execFileOffThread('sleep', ['30'], { cwd: dir.dir, timeoutMs: 100 });
      assert.equal(timedOut.code, null);
      assert.ok(timedOut.error);
      assert.ok(performance.now() - started < 20_000, 'neither waited for sleep 30');

      const already = new AbortController();
      already.abort();
      const never = await execFileOffThread('sh', ['-c', 'exit 0'], { cwd: dir.dir, signal: already.signal });
      assert.equal(never.error?.code, 'ABORT_ERR');
    } finally {
      dir.cleanup();
    }
  });
});
