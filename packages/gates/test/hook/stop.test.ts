import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** The Stop hook through the built bin, on a real state database. */

/** A transcript as Claude Code writes it: one JSON entry per line, each with its timestamp. */
function transcript(repo: TempRepo, startedAt: Date): string {
  const path = join(repo.home, `transcript-${startedAt.getTime()}.jsonl`);
  writeFileSync(
    path,
    `${JSON.stringify({ type: 'user', timestamp: startedAt.toISOString(), message: { role: 'user', content: 'go' } })}\n`,
  );
  return path;
}

function stop(repo: TempRepo, extra: Record<string, unknown> = {}) {
  const input = JSON.stringify({
    session_id: 'sess-7',
    transcript_path: transcript(repo, new Date(Date.now() - 60_000)),
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

  it('counts only what this session did: a refused commit before the session began is not reported', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const refusedAt = (ms: number) => {
        const state = openRepositoryState(repo.dir);
        try {
          recordGateRun(state.store, {
            gate: 'pre-commit',
            status: 'failed',
            durationMs: 10,
            startedAt: new Date(ms).toISOString(),
            skipped: [],
            checks: [],
          });
        } finally {
          state.close();
        }
      };
      // The human's refused commit, then a session that begins later.
      const human = Date.now() + 2_000;
      refusedAt(human);
      const sessionStart = new Date(human + 60_000);
      const path = transcript(repo, sessionStart);
      assert.equal(
        stop(repo, { transcript_path: path }).answer,
        undefined,
        'the human’s refusal is not the session’s',
      );
      // The session's own refused commit holds it.
      refusedAt(sessionStart.getTime() + 1_000);
      const answer = stop(repo, { transcript_path: path }).answer;
      assert.equal(answer?.decision, 'block');
      assert.match(answer!.reason, /your last commit attempt was refused by the pre-commit gate/);
    } finally {
      repo.cleanup();
    }
  });
});
