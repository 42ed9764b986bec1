import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { recordGuardDecision } from '@factory/gates/state/guard-decisions';
import { makeTempRepo, runFactory } from '@factory/testkit';

describe('factory status', () => {
  it('in a repository that never used factory: empty, and nothing is created', () => {
    const repo = makeTempRepo();
    try {
      const result = runFactory(['status', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(result.status, 0, result.stderr);
      const status = JSON.parse(result.stdout);
      assert.equal(status.tasks.total, 0);
      assert.equal(existsSync(repo.path('.factory')), false);
    } finally {
      repo.cleanup();
    }
  });

  it('shows tasks by state, leases held and expired, the recent gate runs and guard decisions', async () => {
    const repo = makeTempRepo();
    try {
      const state = openRepositoryState(repo.dir);
      const a = state.tasks.add({ title: 'a' }).task;
      const b = state.tasks.add({ title: 'b' }).task;
      state.tasks.add({ title: 'c', workflow: 'pull-request', key: 'github:o/r#1' });
      state.tasks.claimTask(a.id, 'agent-live', 600);
      state.tasks.claimTask(b.id, 'agent-dead', 0.05);
      recordGateRun(state.store, {
        gate: 'pre-commit',
        status: 'failed',
        durationMs: 412,
        startedAt: new Date().toISOString(),
        sha: 'abcdef1234567890',
      });
      recordGuardDecision(state.store, {
        sessionId: 'agent-live',
        tool: 'Bash',
        inputSummary: 'git push --force origin main',
        decision: 'deny',
        rule: 'git-force-push',
        reason: 'force push to a protected branch',
      });
      state.close();
      await new Promise((resolve) => setTimeout(resolve, 100));

      const json = runFactory(['status', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(json.status, 0, json.stderr);
      const status = JSON.parse(json.stdout);
      assert.equal(status.tasks.total, 3);
      assert.deepEqual(
        status.tasks.byState.map(
          (c: { workflow: string; state: string; count: number }) => `${c.workflow}:${c.state}:${c.count}`,
        ),
        ['pull-request:open:1', 'ticket:new:2'],
      );
      assert.deepEqual(
        status.leases.held.map((l: { owner: string }) => l.owner),
        ['agent-live'],
      );
      assert.deepEqual(
        status.leases.expired.map((l: { owner: string }) => l.owner),
        ['agent-dead'],
      );
      assert.deepEqual(
        status.sections.gateRuns.recent.map((r: { gate: string; status: string }) => `${r.gate}:${r.status}`),
        ['pre-commit:failed'],
      );

      assert.deepEqual(
        status.sections.guardDecisions.recent.map(
          (d: { decision: string; rule: string }) => `${d.decision}:${d.rule}`,
        ),
        ['deny:git-force-push'],
      );

      const human = runFactory(['status'], { cwd: repo.dir, env: repo.env });
      assert.equal(human.status, 0);
      assert.match(human.stdout, /leases held \(1\)\n {2}task 1 new by agent-live/);
      assert.match(
        human.stdout,
        /leases expired \(1\): run factory task recover\n {2}task 2 new by agent-dead/,
      );
      assert.match(
        human.stdout,
        /Gate runs\n {2}not passed in the last 24 h: 1\n {2}\S+ {2}pre-commit +failed +412 ms/,
      );
      assert.match(
        human.stdout,
        /Guard decisions\n {2}denied in the last 24 h: 1\n {2}\S+ {2}deny +Bash +git-force-push: git push --force origin main/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
