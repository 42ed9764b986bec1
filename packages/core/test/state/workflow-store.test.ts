import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createTestDatabase, makeTempDir, type TestDatabase, testPostgres } from '@factory/testkit';
import { FactoryError } from '../../src/errors.js';
import { openWorkflowStore } from '../../src/state/open-workflow-store.js';
import { reclaimTaskResources } from '../../src/state/resources.js';
import type { WorkflowStore } from '../../src/state/workflow-store.js';
import { workflowSetFromConfig } from '../../src/workflow/config.js';
import { registerGuard, unregisterGuard } from '../../src/workflow/guards.js';
import type { WorkflowSet } from '../../src/workflow/workflow.js';

async function refused(fn: () => Promise<unknown>, code: 1 | 2 = 1): Promise<string> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof FactoryError, `expected a FactoryError, got ${String(error)}`);
    assert.equal(error.exitCode, code, error.message);
    return error.message;
  }
  assert.fail('expected a refusal');
}

const gated = workflowSetFromConfig({
  gated: {
    states: ['open', 'shipped'],
    initial: 'open',
    terminal: ['shipped'],
    failState: 'open',
    transitions: [{ event: 'ship', from: 'open', to: 'shipped', guard: 'test-gates-passed' }],
  },
});

/** One backend: how to open a fresh, empty store on it with the test's clock. */
interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly skip?: string;
  open(
    clock: () => number,
    workflows?: WorkflowSet,
  ): Promise<{ store: WorkflowStore; dispose(): Promise<void> }>;
}

const postgres = testPostgres();
const backends: Backend[] = [
  {
    name: 'sqlite',
    async open(clock, workflows) {
      const temp = makeTempDir();
      const store = await openWorkflowStore(temp.dir, { clock, ...(workflows ? { workflows } : {}) });
      return { store, dispose: async () => temp.cleanup() };
    },
  },
  {
    name: 'postgres',
    ...('skip' in postgres ? { skip: postgres.skip } : {}),
    async open(clock, workflows) {
      if (!('url' in postgres)) throw new Error(postgres.skip);
      const db: TestDatabase = await createTestDatabase(postgres.url);
      const store = await openWorkflowStore('/nonexistent', {
        clock,
        url: db.url,
        ...(workflows ? { workflows } : {}),
      });
      return {
        store,
        dispose: async () => {
          await db.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`workflow store behaviour: ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let store: WorkflowStore;
    let dispose: () => Promise<void>;
    let now: number;
    const clock = () => now;

    beforeEach(async () => {
      now = Date.parse('2026-01-01T00:00:00Z');
      ({ store, dispose } = await backend.open(clock));
    });
    afterEach(async () => {
      await store.close();
      await dispose();
    });

    it('adds a task in the initial state with its create log row; the same key returns the same task', async () => {
      assert.equal(store.backend, backend.name);
      const first = await store.add({
        title: 'PR 12',
        workflow: 'pull-request',
        key: 'github:o/r#12',
        data: { n: 12 },
      });
      assert.equal(first.created, true);
      assert.equal(first.task.state, 'open');
      assert.equal(first.task.version, 1);
      assert.deepEqual(first.task.data, { n: 12 });
      assert.equal(first.task.createdAt, new Date(now).toISOString());
      const again = await store.add({ title: 'PR 12 again', workflow: 'pull-request', key: 'github:o/r#12' });
      assert.equal(again.created, false);
      assert.equal(again.task.id, first.task.id);
      assert.equal((await store.list()).length, 1);
      assert.equal((await store.findByKey('github:o/r#12'))?.id, first.task.id);
      assert.equal(await store.findByKey('github:o/r#13'), undefined);
      assert.match(
        await refused(() => store.add({ title: 'x', key: 'github:o/r#12' }), 2),
        /already names task \d+ of workflow pull-request/,
      );
      assert.match(await refused(() => store.add({ title: '  ' }), 2), /title/);
      assert.deepEqual(
        (await store.log(first.task.id)).map((e) => [e.kind, e.from, e.to]),
        [['create', null, 'open']],
      );
    });

    it('claims the highest priority free task, one owner at a time; none free is undefined', async () => {
      await store.add({ title: 'low' });
      const high = (await store.add({ title: 'high', priority: 5 })).task;
      const claimed = await store.claim({ owner: 'a', ttlSeconds: 60 });
      assert.equal(claimed?.id, high.id);
      assert.equal(claimed?.owner, 'a');
      assert.equal(claimed?.attempts, 1);
      assert.equal(claimed?.leaseExpiresAt, new Date(now + 60_000).toISOString());
      const second = await store.claim({ owner: 'b', ttlSeconds: 60 });
      assert.notEqual(second?.id, high.id);
      assert.equal(await store.claim({ owner: 'c', ttlSeconds: 60 }), undefined);
      assert.match(await refused(() => store.claimTask(high.id, 'c', 60)), /held by a until/);
      // The holder claiming again extends its lease.
      now += 1000;
      assert.equal(
        (await store.claimTask(high.id, 'a', 60)).leaseExpiresAt,
        new Date(now + 60_000).toISOString(),
      );
      assert.match(await refused(() => store.claim({ owner: 'a', ttlSeconds: 0 }), 2), /ttl|TTL|seconds/);
      assert.match(await refused(() => store.claim({ owner: ' ', ttlSeconds: 5 }), 2), /owner/);
    });

    it('claims by workflow and by state', async () => {
      const pull = (await store.add({ title: 'pr', workflow: 'pull-request' })).task;
      const ticket = (await store.add({ title: 'ticket' })).task;
      assert.equal(
        (await store.claim({ owner: 'a', ttlSeconds: 60, workflow: 'pull-request' }))?.id,
        pull.id,
      );
      assert.equal(await store.claim({ owner: 'b', ttlSeconds: 60, workflow: 'pull-request' }), undefined);
      assert.equal((await store.claim({ owner: 'b', ttlSeconds: 60, states: ['new'] }))?.id, ticket.id);
    });

    it('heartbeat extends a live lease and fails once the lease is lost', async () => {
      const { task } = await store.add({ title: 't' });
      await store.claimTask(task.id, 'a', 10);
      now += 5_000;
      assert.equal(
        (await store.heartbeat(task.id, 'a', 10)).leaseExpiresAt,
        new Date(now + 10_000).toISOString(),
      );
      assert.match(
        await refused(() => store.heartbeat(task.id, 'b', 10)),
        /b no longer holds the lease on task \d+ \(a does\)/,
      );
      now += 11_000;
      assert.match(await refused(() => store.heartbeat(task.id, 'a', 10)), /a no longer holds the lease/);
    });

    it('moves with compare-and-set; an illegal event names the allowed ones and changes nothing', async () => {
      const { task } = await store.add({ title: 't' });
      const moved = await store.move(task.id, 'start', { actor: 'me', expectVersion: 1, reason: 'go' });
      assert.equal(moved.task.state, 'coding');
      assert.equal(moved.task.version, 2);
      assert.equal(moved.transition.to, 'coding');
      assert.match(
        await refused(() => store.move(task.id, 'merge', { actor: 'me' })),
        /is in state coding, where event "merge" is not allowed; allowed events: test, block, abandon\./,
      );
      assert.match(
        await refused(() => store.move(task.id, 'test', { actor: 'me', expectVersion: 1 })),
        /at version 2, not 1/,
      );
      assert.match(
        await refused(() => store.move(task.id, 'test', { actor: 'me', expectState: 'new' })),
        /in state coding, not new/,
      );
      assert.equal((await store.get(task.id)).version, 2);
      const log = await store.log(task.id);
      assert.deepEqual(log.at(-1), {
        ...log.at(-1),
        kind: 'move',
        event: 'start',
        from: 'new',
        to: 'coding',
        actor: 'me',
        reason: 'go',
        version: 2,
      });
      assert.match(await refused(() => store.get(99999), 2), /there is no task 99999/);
      assert.equal(await store.find(99999), undefined);
    });

    it('only the lease holder may move a held task; reaching a terminal state ends the lease', async () => {
      const { task } = await store.add({ title: 't' });
      await store.claimTask(task.id, 'a', 60);
      assert.match(await refused(() => store.move(task.id, 'start', { actor: 'b' })), /held by a/);
      await store.move(task.id, 'start', { actor: 'a' });
      const ended = (await store.move(task.id, 'abandon', { actor: 'a' })).task;
      assert.equal(ended.phase, 'terminal');
      assert.equal(ended.owner, null);
      assert.equal(ended.leaseExpiresAt, null);
      assert.deepEqual(store.allowedEvents(ended), []);
      assert.match(await refused(() => store.claimTask(task.id, 'a', 60)), /has ended/);
      assert.deepEqual(await store.audit(), []);
    });

    it('release frees the task for the next claim; only the holder releases', async () => {
      const { task } = await store.add({ title: 't' });
      await store.claimTask(task.id, 'a', 60);
      assert.match(await refused(() => store.release(task.id, 'b')), /b does not hold task \d+ \(a does\)/);
      assert.equal((await store.release(task.id, 'a', 'handing over')).owner, null);
      assert.equal((await store.log(task.id)).at(-1)?.reason, 'handing over');
      assert.equal((await store.claim({ owner: 'b', ttlSeconds: 60 }))?.id, task.id);
    });

    it('expired leases go back to claimable; over the attempt limit the task goes to the fail state', async () => {
      const { task } = await store.add({ title: 't', maxAttempts: 2 });
      await store.claimTask(task.id, 'a', 10);
      now += 11_000;
      const leases = await store.leases();
      assert.deepEqual(
        leases.map((l) => [l.taskId, l.owner, l.expired]),
        [[task.id, 'a', true]],
      );
      assert.deepEqual(
        (await store.expireLeases()).map((e) => [e.owner, e.attempts, e.failed, e.state]),
        [['a', 1, false, 'new']],
      );
      await store.claimTask(task.id, 'b', 10);
      now += 11_000;
      // claim recovers expired leases itself before it looks for a free task
      assert.equal(await store.claim({ owner: 'c', ttlSeconds: 10 }), undefined);
      const failed = await store.get(task.id);
      assert.equal(failed.state, 'blocked');
      assert.equal(failed.owner, null);
      assert.equal(failed.attempts, 2);
      assert.match(
        (await store.log(task.id)).at(-1)?.reason ?? '',
        /lease of b expired after attempt 2 of 2/,
      );
      assert.deepEqual(await store.audit(), []);
    });

    it('heldActiveTasks, counts and the newest-first log of every task', async () => {
      const a = (await store.add({ title: 'a' })).task;
      const b = (await store.add({ title: 'b' })).task;
      await store.add({ title: 'pr', workflow: 'pull-request' });
      await store.claimTask(a.id, 's1', 60);
      await store.claimTask(b.id, 's1', 60);
      await store.move(b.id, 'block', { actor: 's1' });
      assert.deepEqual(
        (await store.heldActiveTasks('s1')).map((t) => t.id),
        [a.id],
      );
      assert.deepEqual(await store.heldActiveTasks('s2'), []);
      assert.deepEqual(
        (await store.counts()).map((c) => [c.workflow, c.state, c.phase, c.count]),
        [
          ['pull-request', 'open', 'active', 1],
          ['ticket', 'blocked', 'handoff', 1],
          ['ticket', 'new', 'active', 1],
        ],
      );
      assert.deepEqual(
        (await store.list({ workflow: 'ticket', owner: 's1' })).map((t) => t.id),
        [a.id, b.id],
      );
      assert.deepEqual((await store.list({ limit: 1 })).length, 1);
      const recent = await store.log(undefined, 2);
      assert.deepEqual(
        recent.map((e) => [e.taskId, e.kind]),
        [
          [b.id, 'move'],
          [b.id, 'claim'],
        ],
      );
      now += 61_000;
      assert.deepEqual(await store.heldActiveTasks('s1'), []);
    });

    it('a guarded transition asks the registered guard inside the move; an unregistered guard refuses', async () => {
      await store.close();
      await dispose();
      ({ store, dispose } = await backend.open(clock, gated));
      const { task } = await store.add({ title: 'g', workflow: 'gated', data: { sha: 'abc' } });
      assert.match(
        await refused(() => store.move(task.id, 'ship', { actor: 'me' })),
        /needs guard "test-gates-passed", which nothing registered/,
      );
      const seen: unknown[] = [];
      registerGuard('test-gates-passed', (ctx) => {
        seen.push([ctx.backend, ctx.task.data.sha, ctx.task.version]);
        return ctx.actor === 'ci' ? true : 'the gates did not pass on abc';
      });
      try {
        assert.match(
          await refused(() => store.move(task.id, 'ship', { actor: 'me' })),
          /guard "test-gates-passed" refused event "ship" on task \d+: the gates did not pass on abc/,
        );
        assert.equal((await store.get(task.id)).state, 'open');
        const moved = await store.move(task.id, 'ship', { actor: 'ci', expectVersion: 1 });
        assert.equal(moved.task.state, 'shipped');
        assert.deepEqual(seen, [
          [backend.name, 'abc', 1],
          [backend.name, 'abc', 1],
        ]);
        assert.deepEqual(await store.audit(), []);
      } finally {
        unregisterGuard('test-gates-passed');
      }
    });

    it('a guard that answers later: PostgreSQL waits for it inside the transaction, SQLite refuses it', async () => {
      await store.close();
      await dispose();
      ({ store, dispose } = await backend.open(clock, gated));
      const { task } = await store.add({ title: 'g', workflow: 'gated' });
      registerGuard('test-gates-passed', async (ctx) => {
        if (!ctx.query) return 'no database to ask';
        // Read inside the move's transaction: the task's row is locked, as the guard sees it.
        const rows = await ctx.query('SELECT state, version FROM tasks WHERE id = $1', [ctx.task.id]);
        return rows[0]?.state === 'open' ? true : 'not open';
      });
      try {
        if (backend.name === 'sqlite') {
          assert.match(
            await refused(() => store.move(task.id, 'ship', { actor: 'ci' })),
            /answered later \(a promise\), and the SQLite state must decide inside its write lock/,
          );
          assert.equal((await store.get(task.id)).state, 'open');
        } else {
          assert.equal((await store.move(task.id, 'ship', { actor: 'ci' })).task.state, 'shipped');
        }
      } finally {
        unregisterGuard('test-gates-passed');
      }
    });

    it('resources: one live holder each, adopted by the next owner, reclaimed once their task let go', async () => {
      const { task: a } = await store.add({ title: 'a' });
      const { task: b } = await store.add({ title: 'b' });
      await store.claimTask(a.id, 'w1', 60);
      const port = await store.resources.attach(a.id, 'port', '4100');
      assert.equal(port.owner, 'w1', 'the lease holder records it');
      assert.equal(
        (await store.resources.attach(a.id, 'port', '4100')).id,
        port.id,
        'attaching again is a no-op',
      );
      assert.match(
        await refused(() => store.resources.attach(b.id, 'port', '4100')),
        /port 4100 is already held by task \d+/,
      );
      assert.match(await refused(() => store.resources.attach(a.id, 'pid', 'x'), 2), /pid/);
      assert.match(await refused(() => store.resources.attach(999, 'port', '4101'), 2), /999/);
      const dead = spawnSync('true').pid!;
      await store.resources.attach(a.id, 'pid', String(dead));
      await store.resources.attach(a.id, 'branch', 'feature/a');
      // A live lease: nothing is reclaimed but the dead process.
      let reclaimed = await reclaimTaskResources(process.cwd(), store.resources);
      assert.deepEqual(
        reclaimed.map((r) => [r.resource.kind, r.action, r.outcome]),
        [['pid', 'released', 'process had exited']],
      );
      // The next owner adopts the task's branch; its port is the previous owner's until recovery frees it.
      now += 61_000;
      await store.claimTask(a.id, 'w2', 60);
      assert.deepEqual(await store.resources.adopt(a.id, 'w2'), []);
      reclaimed = await reclaimTaskResources(process.cwd(), store.resources);
      assert.deepEqual(
        reclaimed.map((r) => [r.resource.kind, r.action, r.outcome]),
        [['port', 'released', 'port freed']],
      );
      assert.deepEqual(
        await reclaimTaskResources(process.cwd(), store.resources),
        [],
        'each is reclaimed once',
      );
      const live = await store.resources.list(a.id, true);
      assert.deepEqual(
        live.map((r) => [r.kind, r.value, r.owner]),
        [['branch', 'feature/a', 'w2']],
      );
      assert.equal((await store.resources.attach(b.id, 'port', '4100')).taskId, b.id, 'free again');
      assert.equal((await store.resources.list()).length, 4);
    });
  });
}
