import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** The Stop hook through the built bin, on a real state database. */

function stop(repo: TempRepo, extra: Record<string, unknown> = {}) {
  const input = JSON.stringify({
    session_id: 'sess-7',
    cwd: repo.dir,
    hook_event_name: 'Stop',
    stop_hook_active: false,
    ...extra,
  });
  const result = runFactory(['hook', 'stop'], { cwd: repo.dir, env: repo.env, input });
  assert.equal(result.status, 0, result.stderr);
  return {
    ...result,
    answer: result.stdout.trim()
      ? (JSON.parse(result.stdout) as { decision: string; reason: string })
      : undefined,
  };
}

describe('factory hook stop: stop discipline', () => {
  it('lets a session stop in a repository where factory never ran', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      assert.equal(stop(repo).answer, undefined);
    } finally {
      repo.cleanup();
    }
  });

  it('blocks while the claimed task is active, at most 3 times, and lets go once it is handed over', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const state = openRepositoryState(repo.dir);
      let taskId: number;
      try {
        const { task } = state.tasks.add({ title: 'add the parser' });
        taskId = task.id;
        state.tasks.claimTask(task.id, 'claude-sess-7', 900);
        state.tasks.move(task.id, 'start', { actor: 'claude-sess-7' });
      } finally {
        state.close();
      }
      const first = stop(repo);
      assert.equal(first.answer?.decision, 'block');
      assert.match(first.answer!.reason, /#\d+ "add the parser"\) is still "coding"/);
      assert.match(first.answer!.reason, /factory task move/);
      assert.equal(stop(repo, { stop_hook_active: true }).answer?.decision, 'block');
      assert.equal(stop(repo, { stop_hook_active: true }).answer?.decision, 'block');
      const fourth = stop(repo, { stop_hook_active: true });
      assert.equal(fourth.answer, undefined, 'the fourth stop is let through');
      assert.match(fourth.stderr, /after 3 refused stops/);
      // Another session is not held by this one's task.
      assert.equal(stop(repo, { session_id: 'other' }).answer, undefined);
      const again = openRepositoryState(repo.dir);
      try {
        again.tasks.move(taskId, 'test', { actor: 'claude-sess-7' });
        again.tasks.move(taskId, 'review', { actor: 'claude-sess-7' });
      } finally {
        again.close();
      }
      const handedOver = stop(repo, { stop_hook_active: true });
      assert.equal(handedOver.answer, undefined);
      assert.equal(handedOver.stderr, '', 'let go because the task is handed over, not because of the limit');
    } finally {
      repo.cleanup();
    }
  });

  it('blocks while the gates are red on the last commit', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const sha = repo.git('rev-parse', 'HEAD').trim();
      const state = openRepositoryState(repo.dir);
      try {
        recordGateRun(state.store, {
          gate: 'pre-push',
          status: 'failed',
          durationMs: 10,
          startedAt: new Date().toISOString(),
          sha,
          skipped: [],
          checks: [],
        } as unknown as Parameters<typeof recordGateRun>[1]);
      } finally {
        state.close();
      }
      const answer = stop(repo).answer;
      assert.equal(answer?.decision, 'block');
      assert.match(answer!.reason, /gates are red on your last commit/);
      repo.write('a.txt', 'b\n');
      repo.git('commit', '-qam', 'fix');
      assert.equal(stop(repo, { session_id: 'sess-9' }).answer, undefined, 'a new commit without a red run');
    } finally {
      repo.cleanup();
    }
  });
});
