import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTestDatabase, makeTempDir, testPostgres } from '@factory/testkit';
import { openWorkflowStore } from '../../src/state/open-workflow-store.js';
import { openRepositoryState } from '../../src/state/repository.js';
import type { WorkflowStore } from '../../src/state/workflow-store.js';

const WORKERS = 8;
const TASKS = 500;
const worker = join(import.meta.dirname, 'workers', 'race-worker.mjs');

interface Report {
  owner: string;
  claims: Array<[number, number, string]>;
  moves: Array<[number, number, string]>;
  releases: Array<[number, number, string]>;
  refusals: number;
}

interface Racer {
  ready: Promise<void>;
  go(): void;
  done: Promise<Report>;
}

function startWorker(target: string, owner: string, seed: number): Racer {
  const child = spawn(process.execPath, [worker, target, owner, String(seed), String(TASKS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const done = new Promise<Report>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${owner} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.slice('ready\n'.length)) as Report);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

const key = (row: readonly [number, number, string]) => row.join('/');

/** The pool on one backend: where the workers find it, a store for the test, and the clean-up. */
interface Pool {
  readonly target: string;
  readonly store: WorkflowStore;
  /** SQLite only: PRAGMA integrity_check. */
  integrity(): string;
  dispose(): Promise<void>;
}

const postgres = testPostgres();
const backends: Array<{ name: string; skip?: string; open(): Promise<Pool> }> = [
  {
    name: 'sqlite',
    async open() {
      const temp = makeTempDir();
      const store = await openWorkflowStore(temp.dir);
      return {
        target: temp.dir,
        store,
        integrity: () => {
          const state = openRepositoryState(temp.dir);
          try {
            return state.store.integrityCheck();
          } finally {
            state.close();
          }
        },
        dispose: async () => {
          await store.close();
          temp.cleanup();
        },
      };
    },
  },
  {
    name: 'postgres',
    ...('skip' in postgres ? { skip: postgres.skip } : {}),
    async open() {
      if (!('url' in postgres)) throw new Error(postgres.skip);
      const db = await createTestDatabase(postgres.url);
      const store = await openWorkflowStore('/nonexistent', { url: db.url });
      return {
        target: db.url,
        store,
        integrity: () => 'ok',
        dispose: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`race: 8 processes on a pool of ${TASKS} tasks (${backend.name})`, {
    skip: backend.skip ?? false,
  }, () => {
    it('every task is held by one owner at a time, no transition is lost, every log replays to its task', async () => {
      const pool = await backend.open();
      try {
        const { store } = pool;
        for (let i = 0; i < TASKS; i++) await store.add({ title: `task ${i}`, maxAttempts: 100 });
        const racers = Array.from({ length: WORKERS }, (_, i) =>
          startWorker(pool.target, `worker-${i}`, 1000 + i),
        );
        await Promise.all(racers.map((r) => r.ready));
        for (const racer of racers) racer.go();
        const reports = await Promise.all(racers.map((r) => r.done));

        // Every task reached the end of the workflow.
        assert.deepEqual(await store.counts(), [
          { workflow: 'ticket', state: 'done', phase: 'terminal', count: TASKS },
        ]);
        // The log replays to every task's state, version and owner, and no claim happened while another held it.
        assert.deepEqual(await store.audit(), []);

        // What the workers say they committed is exactly what the log holds: nothing lost, nothing doubled.
        const log = (await store.log(undefined, 1_000_000)).reverse().filter((r) => r.kind !== 'create');
        const logged = (kind: string) =>
          log.filter((r) => r.kind === kind).map((r) => key([r.taskId, r.version, r.actor]));
        const reported = (pick: (r: Report) => Array<[number, number, string]>) =>
          reports.flatMap((r) => pick(r).map(key));
        // A claim's reported version is the task's version after the claim, like the log row's.
        assert.deepEqual(new Set(logged('claim')), new Set(reported((r) => r.claims)));
        assert.equal(logged('claim').length, reported((r) => r.claims).length);
        assert.deepEqual(new Set(logged('move')), new Set(reported((r) => r.moves)));
        assert.equal(logged('move').length, TASKS * 6);
        assert.deepEqual(new Set(logged('release')), new Set(reported((r) => r.releases)));
        assert.equal(log.filter((r) => r.kind === 'expire').length, 0);

        // Between a claim and its release (or the end), only the holder moved the task.
        const holder = new Map<number, string | null>();
        for (const row of log) {
          if (row.kind === 'claim') holder.set(row.taskId, row.actor);
          else if (row.kind === 'release') holder.set(row.taskId, null);
          else if (row.kind === 'move')
            assert.equal(row.actor, holder.get(row.taskId), `task ${row.taskId} moved by a non-holder`);
        }
        // The workers really competed: several got work (the scheduler may starve some on a busy machine),
        // tasks passed from owner to owner, and take-overs of held tasks were refused.
        const owners = new Set(log.filter((r) => r.kind === 'claim').map((r) => r.actor));
        assert.ok(owners.size >= 2, `only ${owners.size} worker(s) claimed anything`);
        const handedOn = new Set(log.filter((r) => r.kind === 'claim').map((r) => `${r.taskId}/${r.actor}`))
          .size;
        assert.ok(handedOn > TASKS, `tasks rarely changed hands (${handedOn} task-owner pairs)`);
        assert.ok(reports.reduce((n, r) => n + r.refusals, 0) > 0, 'no take-over attempt was ever refused');
        assert.equal(pool.integrity(), 'ok');
      } finally {
        await pool.dispose();
      }
    });
  });
}
