import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir } from '@factory/testkit';
import { openRepositoryState, recoverRepository } from '../../src/state/repository.js';

const KILLS = 50;
const LANES = 2;
const TASKS = 200;
const worker = join(import.meta.dirname, 'workers', 'crash-worker.mjs');

/** Starts a victim, lets it work for a random while, kills it with SIGKILL; returns what it said it committed. */
function killOne(
  dir: string,
  owner: string,
  workMs: number,
): Promise<{ committed: Array<[number, number]>; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dir, owner], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let fallback: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      // The clock starts at the first commit, so that the kill lands in the loop of transactions even when
      // a loaded machine is slow to schedule the victim; a victim that finds no work is killed anyway.
      if (!fallback && out.startsWith('ready\n')) fallback = setTimeout(() => child.kill('SIGKILL'), 1000);
      if (!timer && out.includes('\nC ')) timer = setTimeout(() => child.kill('SIGKILL'), workMs);
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(fallback);
      if (signal !== 'SIGKILL') {
        reject(new Error(`${owner} ended by itself (${code}): ${err}`));
        return;
      }
      const committed = out
        .split('\n')
        .filter((line) => line.startsWith('C '))
        .map((line) => line.slice(2).split(' ').map(Number) as [number, number]);
      resolve({ committed, pid: child.pid! });
    });
  });
}

describe('crash: SIGKILL in the middle of transactions, again and again', () => {
  it(`after ${KILLS} kills: integrity ok, no half transition, nothing committed lost, dead leases recovered after their TTL`, async () => {
    const temp = makeTempDir();
    try {
      const state = openRepositoryState(temp.dir);
      state.store.write(() => {
        for (let i = 0; i < TASKS; i++) state.tasks.add({ title: `task ${i}`, maxAttempts: 10_000 });
      });
      const committed: Array<[number, number]> = [];
      const owners: string[] = [];
      let kills = 0;
      let committedBeforeKill = 0;
      const lane = async (laneIndex: number) => {
        for (let i = laneIndex; i < KILLS; i += LANES) {
          const owner = `victim-${i}`;
          owners.push(owner);
          // 0 to 40 ms after the first commit: kills land at every point of the transaction loop.
          const result = await killOne(temp.dir, owner, (i * 37) % 41);
          kills++;
          committed.push(...result.committed);
          if (result.committed.length > 0) committedBeforeKill++;
          // After every kill the database is whole and every log replays to its task.
          assert.equal(state.store.integrityCheck(), 'ok');
          assert.deepEqual(state.tasks.audit(), [], `after kill ${kills}`);
        }
      };
      await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
      assert.equal(kills, KILLS);
      assert.ok(
        committedBeforeKill >= KILLS * 0.8,
        `only ${committedBeforeKill} victims committed anything before the kill`,
      );

      // Every transaction a victim saw committed is in the database (WAL + synchronous=NORMAL survive a kill).
      const versions = state.store.db.prepare('SELECT task_id, version FROM task_log').all() as Array<{
        task_id: number;
        version: number;
      }>;
      const logged = new Set(versions.map((r) => `${r.task_id}/${r.version}`));
      for (const [id, version] of committed)
        assert.ok(logged.has(`${id}/${version}`), `lost committed ${id}/${version}`);
      // No half transaction: every committed claim came with its three moves (claim + 3 moves = 4 rows).
      const shape = state.store.db
        .prepare(
          `SELECT c.task_id, c.version FROM task_log c
           WHERE c.kind = 'claim' AND (SELECT count(*) FROM task_log m WHERE m.task_id = c.task_id
             AND m.version BETWEEN c.version + 1 AND c.version + 3 AND m.kind = 'move' AND m.actor = c.actor) != 3`,
        )
        .all();
      assert.deepEqual(shape, []);

      // The dead victims still hold leases; after their 1 s TTL, recovery frees every one of them.
      const held = state.tasks.leases().filter((l) => owners.includes(l.owner));
      assert.ok(held.length > 0, 'no victim died holding a lease');
      await sleep(1100);
      const report = recoverRepository(state);
      assert.ok(report.expired.length >= held.length - 0);
      assert.deepEqual(state.tasks.leases(), []);
      assert.ok(report.expired.every((e) => owners.includes(e.owner) && !e.failed));
      // The victims' pid resources are released: their processes are dead.
      const pids = report.resources.filter((r) => r.resource.kind === 'pid');
      assert.ok(pids.length > 0);
      assert.ok(pids.every((r) => r.action === 'released' && r.outcome === 'process had exited'));
      assert.deepEqual(state.resources.list(undefined, true), []);
      // The freed tasks can be claimed again.
      assert.ok(
        state.tasks.claim({ owner: 'survivor', ttlSeconds: 60, states: ['new', 'coding', 'blocked'] }),
      );
      assert.deepEqual(state.tasks.audit(), []);
      state.close();
    } finally {
      temp.cleanup();
    }
  });
});
