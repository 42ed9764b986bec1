import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { descendants, signalAll } from '../../src/proc/process-tree.js';
import { processState } from '../../src/state/resources.js';

describe('descendants', () => {
  it('finds the processes a process started, and their children, which signalAll then stops', async () => {
    // sh starts a subshell that starts a sleep: two levels below the one we hold.
    const child = spawn('sh', ['-c', '(sleep 30; true) & sleep 30; true'], { stdio: 'ignore' });
    try {
      let below: number[] = [];
      for (let i = 0; i < 50 && below.length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        below = descendants(child.pid!);
      }
      assert.equal(below.length, 3, `subshell, its sleep and the other sleep: ${below.join(' ')}`);
      assert.ok(!below.includes(child.pid!));
      assert.deepEqual(descendants(below.at(-1)!), [], 'a sleep starts nothing');
      signalAll([...below, 999_999_999], 'SIGKILL');
      for (let i = 0; i < 50 && below.some((pid) => processState(pid) === 'alive'); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(
        below.filter((pid) => processState(pid) === 'alive'),
        [],
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
