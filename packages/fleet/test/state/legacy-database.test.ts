import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { listEvalRuns } from '@factory/agent/state/eval-runs';
import { agentSchema } from '@factory/agent/state/migrations/index';
import { openRepositoryState } from '@factory/core/state/repository';
import { StateStore } from '@factory/core/state/store';
import { fleetSchema } from '@factory/fleet/state/migrations/index';
import { PullRequests } from '@factory/fleet/state/pull-requests';
import { listGateRuns, recordGateRun } from '@factory/gates/state/gate-runs';
import { listGuardAllowances, listGuardDecisions } from '@factory/gates/state/guard-decisions';
import { listMemory } from '@factory/gates/state/memory';
import { gatesSchema } from '@factory/gates/state/migrations/index';
import { makeTempDir } from '@factory/testkit';

// state.db as the release before the package redesign wrote it (schema user_version 5), made by
// fixtures/release-0.1.0/write-state-db.mjs with that release's own build.
const fixture = join(import.meta.dirname, '../fixtures/release-0.1.0/state.db');

function openCopy() {
  const temp = makeTempDir();
  const path = join(temp.dir, 'state.db');
  copyFileSync(fixture, path);
  const state = openRepositoryState(temp.dir, { path });
  return {
    ...state,
    close: () => {
      state.close();
      temp.cleanup();
    },
  };
}

describe('a state.db written by the release before the redesign', () => {
  it('opens with the current code and keeps every row', () => {
    const state = openCopy();
    try {
      const tasks = state.tasks.list();
      assert.deepEqual(
        tasks.map((t) => [t.id, t.workflow, t.state, t.title, t.key]),
        [
          [1, 'ticket', 'testing', 'Fix the flaky test', 'ticket-1'],
          [2, 'ticket', 'new', 'Document the sweep', null],
          [3, 'ticket', 'new', 'Port the guard', 'ticket-3'],
          [4, 'pull-request', 'merged', 'PR 12', 'github:acme/widgets#12'],
          [5, 'pull-request', 'changes-requested', 'PR 13', 'gitlab:acme/infra#13'],
        ].sort((a, b) => Number(a[0]) - Number(b[0])),
      );
      assert.deepEqual(state.tasks.get(1).data, { labels: ['ci'] });
      assert.equal(state.tasks.get(3).owner, 'agent-2');
      assert.equal(state.tasks.log().length, 16);
      assert.deepEqual(state.tasks.audit(), []);
      assert.deepEqual(
        state.resources.list().map((r) => [r.taskId, r.kind, r.value]),
        [[3, 'branch', 'agent-2/port-the-guard']],
      );

      const store = state.store;
      assert.deepEqual(
        listGateRuns(store).map((r) => [r.gate, r.status, r.skipped, r.checks.length]),
        [
          ['pre-push', 'failed', ['tests'], 1],
          ['pre-commit', 'passed', [], 1],
        ],
      );
      assert.deepEqual(
        listGuardDecisions(store).map((d) => [d.decision, d.rule, d.allowanceId]),
        [
          ['allow', 'git-push-force', 1],
          ['deny', 'git-no-verify', null],
        ],
      );
      assert.deepEqual(
        listGuardAllowances(store).map((a) => [a.rule, a.reason, a.usesLeft]),
        [['git-push-force', 'rewriting my own branch', 2]],
      );
      assert.deepEqual(
        listMemory(store).map((m) => [m.text, m.tags]),
        [
          ['Run npm run build before committing', ['build', 'commit']],
          ['The sweep reads repos.yaml', ['sweep']],
        ],
      );
      const runs = listEvalRuns(store);
      assert.deepEqual(
        runs.map((r) => [
          r.lane,
          r.scenarioCount,
          r.passedCount,
          r.failedCount,
          r.skippedCount,
          r.results.length,
        ]),
        [
          ['live', 1, 0, 0, 1, 1],
          ['replay', 2, 1, 1, 0, 2],
        ],
      );

      const pulls = new PullRequests(store);
      assert.deepEqual(
        pulls.list().map((p) => [p.forge, p.repo, p.number, p.state, p.mergedSha]),
        [
          ['github', 'acme/widgets', 12, 'merged', 'c'.repeat(40)],
          ['gitlab', 'acme/infra', 13, 'blocked', undefined],
        ],
      );
      assert.deepEqual(
        pulls.decisions().map((d) => [d.number, d.verdict, d.action]),
        [
          [12, 'merge', 'dry-run'],
          [12, 'merge', 'none'],
          [12, 'merge', 'merged'],
          [13, 'blocked', 'none'],
        ],
      );
      assert.equal(state.store.integrityCheck(), 'ok');
      // The first migration since the release before (here a test owner's) converts the file to per-owner
      // histories, recording what the single history had applied for every owner, and fences it from
      // releases that know only user_version.
      state.store.ensure({
        owner: 'test-extra',
        migrations: [{ name: 'one', up: (db) => db.exec('CREATE TABLE test_extra (x INTEGER) STRICT') }],
      });
      const rows = state.store.db
        .prepare('SELECT owner, version FROM schema_versions ORDER BY owner')
        .all() as Array<{ owner: string; version: number }>;
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.owner, r.version])), {
        agent: agentSchema.migrations.length,
        core: 1,
        fleet: fleetSchema.migrations.length,
        gates: gatesSchema.migrations.length,
        'test-extra': 1,
      });
      const fence = state.store.db.prepare('PRAGMA user_version').get() as { user_version: number };
      assert.ok(fence.user_version > 5);
      assert.equal(listMemory(store).length, 2);
    } finally {
      state.close();
    }
  });

  it("a hook (gates' tables only) reads and writes it without migrating anyone else's tables", () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'state.db');
      copyFileSync(fixture, path);
      const schemaOf = (db: DatabaseSync) =>
        db.prepare('SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name').all() as Array<{
          name: string;
          sql: string;
        }>;
      const raw = new DatabaseSync(path, { readOnly: true });
      const before = schemaOf(raw);
      raw.close();
      const store = StateStore.open({ path, schemas: [gatesSchema] });
      try {
        assert.equal(listGateRuns(store).length, 2);
        recordGateRun(store, {
          gate: 'pre-commit',
          status: 'passed',
          durationMs: 5,
          startedAt: new Date().toISOString(),
        });
        assert.equal(listGateRuns(store).length, 3);
        // gates' own migrations since that release ran (the guard's inbox column); nobody else's tables
        // changed, whatever the version bookkeeping records.
        const gatesTables = /^(gate_runs|guard_|memory|schema_versions|sqlite_)/;
        const others = (rows: Array<{ name: string; sql: string }>) =>
          rows.filter((row) => !gatesTables.test(row.name));
        assert.deepEqual(others(schemaOf(store.db)), others(before));
        assert.equal(store.version(gatesSchema.owner), gatesSchema.migrations.length);
      } finally {
        store.close();
      }
    } finally {
      temp.cleanup();
    }
  });

  it('turns each pull_requests row into the snapshot of its task, creating the task review never mirrored', () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'state.db');
      copyFileSync(fixture, path);
      const raw = new DatabaseSync(path);
      raw.exec('DELETE FROM task_log WHERE task_id = 5; DELETE FROM tasks WHERE id = 5;');
      raw.close();
      const state = openRepositoryState(temp.dir, { path });
      try {
        const pulls = new PullRequests(state.store);
        const blocked = pulls.get('gitlab', 'acme/infra', 13)!;
        assert.equal(blocked.state, 'blocked');
        const task = state.tasks.get(blocked.taskId);
        assert.deepEqual(
          [task.workflow, task.key, task.state],
          ['pull-request', 'gitlab:acme/infra#13', 'changes-requested'],
        );
        const merged = pulls.get('github', 'acme/widgets', 12)!;
        assert.deepEqual([merged.taskId, merged.taskState, merged.state], [4, 'merged', 'merged']);
        const legacy = state.store.db
          .prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'pull_requests%'")
          .get() as { n: number };
        assert.equal(legacy.n, 0, 'the second copy of the state is gone');
        assert.deepEqual(state.tasks.audit(), []);
      } finally {
        state.close();
      }
    } finally {
      temp.cleanup();
    }
  });
});
