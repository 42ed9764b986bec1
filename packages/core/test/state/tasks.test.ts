import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeTempDir } from '@factory/testkit';
import { FactoryError } from '../../src/errors.js';
import { LEGACY_USER_VERSION } from '../../src/state/migrations/index.js';
import {
  heldUnfinishedTasks,
  openRepositoryState,
  type RepositoryState,
} from '../../src/state/repository.js';
import { collectStatus, defineStatusSection, renderStatus } from '../../src/state/status.js';
import { StateStore } from '../../src/state/store.js';
import { workflowSetFromConfig } from '../../src/workflow/config.js';
import { registerGuard, unregisterGuard } from '../../src/workflow/guards.js';

function refused(fn: () => unknown, code: 1 | 2 = 1): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FactoryError, `expected a FactoryError, got ${String(error)}`);
    assert.equal(error.exitCode, code, error.message);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('task store', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let state: RepositoryState;
  let now: number;

  beforeEach(() => {
    temp = makeTempDir();
    now = Date.parse('2026-01-01T00:00:00Z');
    state = openRepositoryState(temp.dir, { clock: () => now });
  });
  afterEach(() => {
    state.close();
    temp.cleanup();
  });

  it('adds a task in the initial state with its create log row; the same key returns the same task', () => {
    const first = state.tasks.add({ title: 'PR 12', workflow: 'pull-request', key: 'github:o/r#12' });
    assert.equal(first.created, true);
    assert.equal(first.task.state, 'open');
    assert.equal(first.task.version, 1);
    const again = state.tasks.add({ title: 'PR 12 again', workflow: 'pull-request', key: 'github:o/r#12' });
    assert.equal(again.created, false);
    assert.equal(again.task.id, first.task.id);
    assert.equal(state.tasks.list().length, 1);
    assert.equal(state.tasks.findByKey('github:o/r#12')?.id, first.task.id);
    assert.match(
      refused(() => state.tasks.add({ title: 'x', key: 'github:o/r#12' }), 2),
      /already names task 1 of workflow pull-request/,
    );
    assert.deepEqual(
      state.tasks.log(first.task.id).map((e) => [e.kind, e.from, e.to]),
      [['create', null, 'open']],
    );
  });

  it('claims the highest priority free task, one owner at a time, and exits 1 semantics when none is free', () => {
    state.tasks.add({ title: 'low' });
    const high = state.tasks.add({ title: 'high', priority: 5 }).task;
    const claimed = state.tasks.claim({ owner: 'a', ttlSeconds: 60 });
    assert.equal(claimed?.id, high.id);
    assert.equal(claimed?.owner, 'a');
    assert.equal(claimed?.attempts, 1);
    assert.equal(claimed?.leaseExpiresAt, new Date(now + 60_000).toISOString());
    const second = state.tasks.claim({ owner: 'b', ttlSeconds: 60 });
    assert.notEqual(second?.id, high.id);
    assert.equal(state.tasks.claim({ owner: 'c', ttlSeconds: 60 }), undefined);
    assert.match(
      refused(() => state.tasks.claimTask(high.id, 'c', 60)),
      /held by a until/,
    );
  });

  it('heartbeat extends a live lease and fails once the lease is lost', () => {
    const { task } = state.tasks.add({ title: 't' });
    state.tasks.claimTask(task.id, 'a', 10);
    now += 5_000;
    assert.equal(
      state.tasks.heartbeat(task.id, 'a', 10).leaseExpiresAt,
      new Date(now + 10_000).toISOString(),
    );
    assert.match(
      refused(() => state.tasks.heartbeat(task.id, 'b', 10)),
      /b no longer holds the lease on task 1 \(a does\)/,
    );
    now += 11_000;
    assert.match(
      refused(() => state.tasks.heartbeat(task.id, 'a', 10)),
      /a no longer holds the lease/,
    );
  });

  it('moves with compare-and-set; an illegal event names the allowed ones and changes nothing', () => {
    const { task } = state.tasks.add({ title: 't' });
    const moved = state.tasks.move(task.id, 'start', { actor: 'me', expectVersion: 1, reason: 'go' });
    assert.equal(moved.task.state, 'coding');
    assert.equal(moved.task.version, 2);
    assert.match(
      refused(() => state.tasks.move(task.id, 'merge', { actor: 'me' })),
      /task 1 \(workflow ticket\) is in state coding, where event "merge" is not allowed; allowed events: test, block, abandon\./,
    );
    assert.match(
      refused(() => state.tasks.move(task.id, 'test', { actor: 'me', expectVersion: 1 })),
      /at version 2, not 1/,
    );
    assert.match(
      refused(() => state.tasks.move(task.id, 'test', { actor: 'me', expectState: 'new' })),
      /in state coding, not new/,
    );
    assert.equal(state.tasks.get(task.id).version, 2);
    const log = state.tasks.log(task.id);
    assert.deepEqual(log.at(-1), {
      ...log.at(-1),
      kind: 'move',
      event: 'start',
      from: 'new',
      to: 'coding',
      actor: 'me',
      reason: 'go',
    });
    assert.match(
      refused(() => state.tasks.get(99), 2),
      /there is no task 99/,
    );
  });

  it('only the lease holder may move a held task; reaching a terminal state ends the lease', () => {
    const { task } = state.tasks.add({ title: 't' });
    state.tasks.claimTask(task.id, 'a', 60);
    assert.match(
      refused(() => state.tasks.move(task.id, 'start', { actor: 'b' })),
      /held by a/,
    );
    state.tasks.move(task.id, 'start', { actor: 'a' });
    const ended = state.tasks.move(task.id, 'abandon', { actor: 'a' }).task;
    assert.equal(ended.phase, 'terminal');
    assert.equal(ended.owner, null);
    assert.deepEqual(state.tasks.allowedEvents(ended), []);
    assert.match(
      refused(() => state.tasks.claimTask(task.id, 'a', 60)),
      /has ended/,
    );
  });

  it('guards registered by other packages decide; a missing guard fails closed', () => {
    const workflows = workflowSetFromConfig({
      gated: {
        states: ['open', 'shipped'],
        initial: 'open',
        terminal: ['shipped'],
        failState: 'open',
        transitions: [{ event: 'ship', from: 'open', to: 'shipped', guard: 'test-gates-passed' }],
      },
    });
    state.close();
    state = openRepositoryState(temp.dir, { clock: () => now, workflows });
    const { task } = state.tasks.add({ title: 'g', workflow: 'gated', data: { sha: 'abc' } });
    assert.match(
      refused(() => state.tasks.move(task.id, 'ship', { actor: 'me' })),
      /needs guard "test-gates-passed", which nothing registered/,
    );
    let seen: unknown;
    registerGuard('test-gates-passed', (ctx) => {
      seen = ctx.task.data.sha;
      return ctx.actor === 'ci' ? true : 'the gates did not pass on abc';
    });
    try {
      assert.match(
        refused(() => state.tasks.move(task.id, 'ship', { actor: 'me' })),
        /refused event "ship" on task 1: the gates did not pass on abc/,
      );
      assert.equal(state.tasks.move(task.id, 'ship', { actor: 'ci' }).task.state, 'shipped');
      assert.equal(seen, 'abc');
    } finally {
      unregisterGuard('test-gates-passed');
    }
  });

  it('release frees the task for the next claim; only the holder releases', () => {
    const { task } = state.tasks.add({ title: 't' });
    state.tasks.claimTask(task.id, 'a', 60);
    assert.match(
      refused(() => state.tasks.release(task.id, 'b')),
      /b does not hold task 1 \(a does\)/,
    );
    assert.equal(state.tasks.release(task.id, 'a', 'handing over').owner, null);
    assert.equal(state.tasks.claim({ owner: 'b', ttlSeconds: 60 })?.id, task.id);
  });

  it('expired leases go back to claimable; over the attempt limit the task goes to the fail state', () => {
    const { task } = state.tasks.add({ title: 't', maxAttempts: 2 });
    state.tasks.claimTask(task.id, 'a', 10);
    now += 11_000;
    assert.deepEqual(
      state.tasks.expireLeases().map((e) => [e.owner, e.attempts, e.failed, e.state]),
      [['a', 1, false, 'new']],
    );
    state.tasks.claimTask(task.id, 'b', 10);
    now += 11_000;
    // claim recovers expired leases itself before it looks for a free task
    assert.equal(state.tasks.claim({ owner: 'c', ttlSeconds: 10 }), undefined);
    const failed = state.tasks.get(task.id);
    assert.equal(failed.state, 'blocked');
    assert.equal(failed.owner, null);
    assert.equal(failed.attempts, 2);
    assert.match(state.tasks.log(task.id).at(-1)?.reason ?? '', /lease of b expired after attempt 2 of 2/);
    assert.deepEqual(state.tasks.audit(), []);
  });

  it('heldActiveTasks: what a session still holds that is neither ended nor handed over', () => {
    const a = state.tasks.add({ title: 'a' }).task;
    const b = state.tasks.add({ title: 'b' }).task;
    state.tasks.claimTask(a.id, 's1', 60);
    state.tasks.claimTask(b.id, 's1', 60);
    state.tasks.move(b.id, 'block', { actor: 's1' });
    assert.deepEqual(
      state.tasks.heldActiveTasks('s1').map((t) => t.id),
      [a.id],
    );
    assert.deepEqual(state.tasks.heldActiveTasks('s2'), []);
    // The same question from outside, as the Stop hook asks it: by repository and owner.
    assert.deepEqual(
      heldUnfinishedTasks(temp.dir, 's1', { clock: () => now }).map((t) => t.id),
      [a.id],
    );
    now += 61_000;
    assert.deepEqual(state.tasks.heldActiveTasks('s1'), []);
  });

  it('heldUnfinishedTasks in a repository without a state database: none, and nothing is created', () => {
    const other = makeTempDir();
    try {
      assert.deepEqual(heldUnfinishedTasks(other.dir, 's1'), []);
      assert.equal(existsSync(join(other.dir, '.factory')), false);
    } finally {
      other.cleanup();
    }
  });

  it('the audit finds a log that does not replay to the task', () => {
    const { task } = state.tasks.add({ title: 't' });
    state.tasks.move(task.id, 'start', { actor: 'me' });
    assert.deepEqual(state.tasks.audit(), []);
    state.store.db.exec(`UPDATE tasks SET state = 'testing' WHERE id = ${task.id}`);
    assert.match(state.tasks.audit().join('\n'), /task 1: log replays to coding, task is in testing/);
  });

  it('status: tasks by state, leases held and expired, and the sections of other subsystems', () => {
    state.tasks.add({ title: 'a' });
    const b = state.tasks.add({ title: 'b' }).task;
    const c = state.tasks.add({ title: 'c' }).task;
    state.tasks.claimTask(b.id, 'held', 60);
    state.tasks.claimTask(c.id, 'gone', 1);
    now += 2_000;
    const section = defineStatusSection({
      name: 'probe',
      title: 'probe section',
      collect: (s) => ({ tasks: s.tasks.counts().length }),
      render: (data) => [`${data.tasks} group(s)`],
    });
    const status = collectStatus(state, [section]);
    assert.equal(status.tasks.total, 3);
    assert.deepEqual(status.tasks.byState, [{ workflow: 'ticket', state: 'new', phase: 'active', count: 3 }]);
    assert.deepEqual(
      status.leases.held.map((l) => l.owner),
      ['held'],
    );
    assert.deepEqual(
      status.leases.expired.map((l) => l.owner),
      ['gone'],
    );
    assert.deepEqual(status.sections, { probe: { tasks: 1 } });
    const text = renderStatus(status, [section]).join('\n');
    assert.match(text, /leases expired \(1\): run factory task recover/);
    assert.match(text, /probe section\n {2}1 group\(s\)/);
  });
});

describe('state store transactions', () => {
  it('refuses a write inside a read transaction (it would be a deferred upgrade that ignores busy_timeout)', () => {
    const temp = makeTempDir();
    const state = openRepositoryState(temp.dir);
    try {
      assert.throws(
        () => state.store.read(() => state.tasks.add({ title: 'x' })),
        /StateStore.write was called inside StateStore.read/,
      );
      // Reads inside writes join the write; the store is usable afterwards.
      const { task } = state.store.write(() => {
        const added = state.tasks.add({ title: 'y' });
        assert.equal(state.tasks.get(added.task.id).title, 'y');
        return added;
      });
      assert.equal(
        state.tasks
          .list()
          .map((t) => t.id)
          .join(),
        String(task.id),
      );
    } finally {
      state.close();
      temp.cleanup();
    }
  });
});

describe('state database versions', () => {
  it('a database written by a newer factory is refused and left byte for byte untouched', async () => {
    const temp = makeTempDir();
    try {
      const { readFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { DatabaseSync } = await import('node:sqlite');
      const file = join(temp.dir, 'state.db');
      const db = new DatabaseSync(file);
      db.exec('CREATE TABLE future (x); PRAGMA user_version = 99;');
      db.close();
      const before = readFileSync(file);
      assert.match(
        refused(() => StateStore.open({ path: file }), 2),
        new RegExp(`written by a newer factory \\(schema 99, this one knows up to ${LEGACY_USER_VERSION}\\)`),
      );
      assert.deepEqual(readFileSync(file), before);
    } finally {
      temp.cleanup();
    }
  });
});
