import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir } from '@factory/testkit';
import { openRepositoryState, recoverRepository } from '../../src/state/repository.js';
import { killAgainAndAgain, killVictim } from './victims.js';

const KILLS = 50;
const LANES = 2;
const TASKS = 200;
const worker = join(import.meta.dirname, 'workers', 'crash-worker.mjs');

describe('crash: SIGKILL in the middle of transactions, again and again', () => {
  it(`after ${KILLS} kills: integrity ok, no half transition, nothing committed lost, dead leases recovered after their TTL`, async () => {
    const temp = makeTempDir();
    try {
      const state = openRepositoryState(temp.dir);
      state.store.write(() => {
        for (let i = 0; i < TASKS; i++) state.tasks.add({ title: `task ${i}`, maxAttempts: 10_000 });
      });
      const { kills, committed, owners, committedBeforeKill } = await killAgainAndAgain({
        kills: KILLS,
        lanes: LANES,
        kill: (owner, workMs) => killVictim(worker, [temp.dir, owner], workMs, 1000),
        // After every kill the database is whole and every log replays to its task.
        afterKill: (kills) => {
          assert.equal(state.store.integrityCheck(), 'ok');
          assert.deepEqual(state.tasks.audit(), [], `after kill ${kills}`);
        },
      });
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
