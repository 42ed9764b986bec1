import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { factoryBin, runFactoryAsync } from '@factory/testkit';
import { makeHealthyFleet } from './fleet.js';

interface SweepJson {
  summary: { total: number; healthy: number };
  repositories: Array<{ path: string; status: string }>;
}

/** Starts a sweep, sends SIGINT once `after` repositories have finished, and waits for it to end. */
function interruptAfter(args: readonly string[], env: NodeJS.ProcessEnv, after: number) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [factoryBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && (stderr.match(/^\[\d+\/\d+\]/gm) ?? []).length >= after) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('factory sweep interrupted halfway, then --resume', () => {
  it('--resume sweeps exactly the repositories the interrupted sweep never finished', async () => {
    const fleet = makeHealthyFleet(6);
    try {
      const args = ['sweep', '--manifest', fleet.manifest, '--concurrency', '1', '--exec', 'sleep 1'];
      const stopped = await interruptAfter(args, fleet.env, 2);
      assert.equal(stopped.code, 130, stopped.stderr);
      assert.match(
        stopped.stderr,
        /sweep interrupted after \d of 6 repositories; run factory sweep --resume/,
      );
      const finished = (stopped.stderr.match(/^\[\d+\/6\] (\S+): healthy/gm) ?? []).map((line) =>
        line.split(' ')[1]!.replace(/:$/, ''),
      );
      assert.ok(finished.length >= 2 && finished.length < 6, stopped.stderr);

      const resumed = await runFactoryAsync(['sweep', '--manifest', fleet.manifest, '--resume', '--json'], {
        env: fleet.env,
      });
      assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
      const result = JSON.parse(resumed.stdout) as SweepJson;
      const swept = result.repositories.map((r) => r.path.split('/').pop());
      const expected = fleet.repos
        .map((dir) => dir.split('/').pop())
        .filter((name) => !finished.includes(name!));
      assert.deepEqual(swept, expected);
      assert.equal(result.summary.healthy, expected.length);

      // Once everything has been swept, --resume has nothing left to do.
      const again = await runFactoryAsync(['sweep', '--manifest', fleet.manifest, '--resume'], {
        env: fleet.env,
      });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /--resume has nothing to retry/);
    } finally {
      fleet.cleanup();
    }
  });
});
