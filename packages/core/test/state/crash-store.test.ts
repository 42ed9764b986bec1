import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, makeTempDir, testPostgres } from '@factory/testkit';
import { openWorkflowStore } from '../../src/state/open-workflow-store.js';
import type { WorkflowStore } from '../../src/state/workflow-store.js';
import { killAgainAndAgain, killVictim } from './victims.js';

const KILLS = 20;
const LANES = 2;
const TASKS = 100;
const worker = join(import.meta.dirname, 'workers', 'crash-store-worker.mjs');

const postgres = testPostgres();
const backends: Array<{
  name: string;
  skip?: string;
  open(): Promise<{ target: string; store: WorkflowStore; dispose(): Promise<void> }>;
}> = [
  {
    name: 'sqlite',
    async open() {
      const temp = makeTempDir();
      const store = await openWorkflowStore(temp.dir);
      return { target: temp.dir, store, dispose: async () => temp.cleanup() };
    },
  },
  {
    name: 'postgres',
    ...('skip' in postgres ? { skip: postgres.skip } : {}),
    async open() {
      if (!('url' in postgres)) throw new Error(postgres.skip);
      const db = await createTestDatabase(postgres.url);
      const store = await openWorkflowStore('/nonexistent', { url: db.url });
      return { target: db.url, store, dispose: () => db.drop() };
    },
  },
];

for (const backend of backends) {
  describe(`crash through the workflow store (${backend.name}): SIGKILL mid-work, again and again`, {
    skip: backend.skip ?? false,
  }, () => {
    it(`after ${KILLS} kills: no half transition, nothing committed lost, dead leases recovered after their TTL`, async () => {
      const { target, store, dispose } = await backend.open();
      try {
        for (let i = 0; i < TASKS; i++) await store.add({ title: `task ${i}`, maxAttempts: 10_000 });
        const { kills, committed, owners, committedBeforeKill } = await killAgainAndAgain({
          kills: KILLS,
          lanes: LANES,
          kill: (owner, workMs) => killVictim(worker, [target, owner], workMs, 3000),
          // After every kill, every log replays to its task: no half transition.
          afterKill: async (kills) => assert.deepEqual(await store.audit(), [], `after kill ${kills}`),
        });
        assert.equal(kills, KILLS);
        assert.ok(
          committedBeforeKill >= KILLS * 0.8,
          `only ${committedBeforeKill} victims committed anything`,
        );

        // Every change a victim saw committed is in the log.
        const logged = new Set(
          (await store.log(undefined, 1_000_000)).map((e) => `${e.taskId}/${e.version}`),
        );
        for (const [id, version] of committed)
          assert.ok(logged.has(`${id}/${version}`), `lost committed ${id}/${version}`);

        // The dead victims still hold leases; after their 1 s TTL, recovery frees every one of them.
        const held = (await store.leases()).filter((l) => owners.includes(l.owner));
        assert.ok(held.length > 0, 'no victim died holding a lease');
        await sleep(1100);
        const expired = await store.expireLeases();
        assert.ok(expired.length >= held.length);
        assert.ok(expired.every((e) => owners.includes(e.owner) && !e.failed));
        assert.deepEqual(await store.leases(), []);
        assert.ok(
          await store.claim({ owner: 'survivor', ttlSeconds: 60, states: ['new', 'coding', 'blocked'] }),
        );
        assert.deepEqual(await store.audit(), []);
      } finally {
        await store.close();
        await dispose();
      }
    });
  });
}
