import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, makeTempDir, testPostgres } from '@factory/testkit';
import { openWorkflowStore } from '../../src/state/open-workflow-store.js';
import type { WorkflowStore } from '../../src/state/workflow-store.js';

const KILLS = 20;
const LANES = 2;
const TASKS = 100;
const worker = join(import.meta.dirname, 'workers', 'crash-store-worker.mjs');

/** Starts a victim, lets it work for a while after its first commit, SIGKILLs it; returns what it committed. */
function killOne(target: string, owner: string, workMs: number): Promise<Array<[number, number]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, target, owner], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let fallback: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (!fallback && out.startsWith('ready\n')) fallback = setTimeout(() => child.kill('SIGKILL'), 3000);
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
      resolve(
        out
          .split('\n')
          .filter((line) => line.startsWith('C '))
          .map((line) => line.slice(2).split(' ').map(Number) as [number, number]),
      );
    });
  });
}

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
        const committed: Array<[number, number]> = [];
        const owners: string[] = [];
        let kills = 0;
        let committedBeforeKill = 0;
        const lane = async (laneIndex: number) => {
          for (let i = laneIndex; i < KILLS; i += LANES) {
            const owner = `victim-${i}`;
            owners.push(owner);
            // 0 to 40 ms after the first commit: kills land at every point of the loop.
            const result = await killOne(target, owner, (i * 37) % 41);
            kills++;
            committed.push(...result);
            if (result.length > 0) committedBeforeKill++;
            // After every kill, every log replays to its task: no half transition.
            assert.deepEqual(await store.audit(), [], `after kill ${kills}`);
          }
        };
        await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
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
