import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { processState } from '@factory/core/state/resources';
import type { FakeCheck } from '@factory/testkit';
import { commitScript, configureLoop, type LoopFleet, makeLoopFleet } from './fixture.js';

/**
 * After the session: `factory review --merge` ends a task whose requests merged and reclaims its
 * workspace; `factory loop tick` sends a task whose request has failing checks back to work on the same
 * branch (once per head); a session or a worker killed mid-session loses nothing and leaves nothing.
 */

function snapshot(fleet: LoopFleet, repo: string, id: number) {
  const state = openRepositoryState(fleet.repos[repo]!);
  try {
    return { task: state.tasks.get(id), log: state.tasks.log(id), resources: state.resources.list(id) };
  } finally {
    state.close();
  }
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('after the session', () => {
  it('factory review --merge ends the task and reclaims its worktree and branch', async () => {
    const fleet = await makeLoopFleet(['alpha']);
    try {
      fleet.scripts.push({ match: 'MARK-REVIEW', script: commitScript('r.txt', 'r', 'docs: r') });
      const alpha = fleet.repos.alpha!;
      assert.equal(
        (await fleet.factory(['task', 'add', 'Reviewed', '--prompt', 'MARK-REVIEW'], alpha)).status,
        0,
      );
      assert.equal((await fleet.factory(['work'], alpha)).status, 0);
      const worktree = snapshot(fleet, 'alpha', 1).resources.find((r) => r.kind === 'worktree')!.value;
      assert.ok(existsSync(worktree));
      const dry = await fleet.factory(['review'], alpha);
      assert.equal(dry.status, 0, dry.stderr);
      assert.equal(snapshot(fleet, 'alpha', 1).task.state, 'review', 'a dry run merges nothing');
      const review = await fleet.factory(['review', '--merge'], alpha);
      assert.equal(review.status, 0, review.stderr);
      assert.match(
        review.stdout,
        /task #1 done: every request merged: https:\/\/github\.invalid\/acme\/alpha\/pull\/1/,
      );
      const after = snapshot(fleet, 'alpha', 1);
      assert.equal(after.task.state, 'done');
      assert.equal(after.log.at(-1)?.event, 'merged');
      assert.ok(!existsSync(worktree), 'the worktree is removed');
      assert.equal(fleet.git(alpha, 'branch', '--list', 'factory/*').trim(), '', 'the branch is deleted');
      assert.ok(after.resources.every((r) => r.releasedAt !== null));
      const again = await fleet.factory(['review', '--merge'], alpha);
      assert.equal(again.status, 0);
      assert.equal(fleet.forge.pulls('github', 'acme/alpha')[0]!.mergeCount, 1, 'merged once');
    } finally {
      await fleet.close();
    }
  });

  it('factory loop tick sends a task with failing checks back to work on the same branch, once per head', async () => {
    let conclusion: 'failure' | 'success' = 'failure';
    const checks = (): FakeCheck[] => [
      { name: 'ci', status: 'completed', conclusion },
      { name: 'factory-gates', status: 'completed', conclusion: 'success' },
    ];
    const fleet = await makeLoopFleet(['alpha'], { checksOnOpen: checks });
    try {
      configureLoop(fleet, { leaseSeconds: 20, cadenceSeconds: 0.3 });
      fleet.scripts.push({ match: 'MARK-REWORK', script: commitScript('w.txt', 'w', 'fix: w') });
      const alpha = fleet.repos.alpha!;
      assert.equal(
        (await fleet.factory(['task', 'add', 'Rework me', '--prompt', 'MARK-REWORK'], alpha)).status,
        0,
      );
      assert.equal((await fleet.factory(['work', '1'], alpha)).status, 0);
      const tick = await fleet.factory(['loop', 'tick', '--concurrency', '1', '--json'], alpha);
      assert.equal(tick.status, 0, tick.stderr);
      const report = JSON.parse(tick.stdout) as {
        settled: Array<{ action: string; detail: string }>;
        dispatched: Array<{ taskId: number }>;
        merged: number;
      };
      assert.equal(report.merged, 0, 'a failing check blocks the merge');
      assert.equal(report.settled[0]?.action, 'rework');
      assert.match(report.settled[0]!.detail, /checks failed on [0-9a-f]{12} of .*pull\/1: ci/);
      assert.deepEqual(
        report.dispatched.map((d) => d.taskId),
        [1],
        'the rework is dispatched at once',
      );
      conclusion = 'success';
      await until(
        'the rework to reach review',
        () =>
          snapshot(fleet, 'alpha', 1).task.state === 'review' &&
          snapshot(fleet, 'alpha', 1).task.owner === null,
      );
      const events = snapshot(fleet, 'alpha', 1).log.map((e) => e.event);
      assert.deepEqual(
        events.filter((e) => ['submit', 'rework'].includes(e)),
        ['submit', 'rework', 'submit'],
      );
      assert.equal(fleet.forge.pulls('github', 'acme/alpha').length, 1, 'the same request, updated');
      const final = await fleet.factory(['loop', 'tick', '--json'], alpha);
      const last = JSON.parse(final.stdout) as { merged: number; settled: Array<{ action: string }> };
      assert.equal(last.merged, 1);
      assert.equal(last.settled[0]?.action, 'done');
    } finally {
      await fleet.close();
    }
  });

  it('factory loop tick turns a labelled forge issue into one task, and its request closes the issue', async () => {
    const fleet = await makeLoopFleet(['alpha']);
    try {
      configureLoop(fleet, { leaseSeconds: 20, cadenceSeconds: 0.3 });
      fleet.scripts.push({ match: 'MARK-ISSUE', script: commitScript('typo.txt', 'fixed', 'fix: typo') });
      fleet.forge.issue('github', 'acme/alpha', {
        number: 7,
        title: 'Fix the typo',
        body: 'MARK-ISSUE: it says teh',
        labels: ['factory'],
      });
      fleet.forge.issue('github', 'acme/alpha', { number: 8, title: 'Not for the loop', body: 'no label' });
      const alpha = fleet.repos.alpha!;
      const first = await fleet.factory(['loop', 'tick', '--json'], alpha);
      assert.equal(first.status, 0, first.stderr);
      const report = JSON.parse(first.stdout) as { issues: number; dispatched: Array<{ taskId: number }> };
      assert.equal(report.issues, 1);
      assert.deepEqual(
        report.dispatched.map((d) => d.taskId),
        [1],
      );
      const task = snapshot(fleet, 'alpha', 1).task;
      assert.equal(task.key, 'github:acme/alpha#issue-7');
      assert.equal(task.title, 'Fix the typo');
      await until(
        'the issue task to reach review',
        () =>
          snapshot(fleet, 'alpha', 1).task.state === 'review' &&
          snapshot(fleet, 'alpha', 1).task.owner === null,
      );
      assert.match(fleet.forge.pulls('github', 'acme/alpha')[0]!.body ?? '', /^Closes #7\./);
      const second = await fleet.factory(['loop', 'tick', '--json'], alpha);
      const again = JSON.parse(second.stdout) as { issues: number; merged: number };
      assert.equal(again.issues, 0, 'the same issue never makes a second task');
      assert.equal(again.merged, 1);
      assert.equal(snapshot(fleet, 'alpha', 1).task.state, 'done');
    } finally {
      await fleet.close();
    }
  });

  it('a session or a worker SIGKILLed mid-session: retried, and no process or worktree is left behind', async () => {
    const fleet = await makeLoopFleet(['alpha']);
    try {
      configureLoop(fleet, { leaseSeconds: 8, maxAttempts: 5 });
      fleet.scripts.push({
        match: 'MARK-SLOW',
        script: {
          turns: [
            {
              toolCalls: [
                { name: 'Bash', input: { command: 'sleep 60', description: 'Think hard', timeout: 120000 } },
              ],
            },
          ],
          finalText: 'Done.',
        },
      });
      const alpha = fleet.repos.alpha!;
      assert.equal((await fleet.factory(['task', 'add', 'Slow', '--prompt', 'MARK-SLOW'], alpha)).status, 0);
      const livePid = () =>
        snapshot(fleet, 'alpha', 1).resources.find((r) => r.kind === 'pid' && r.releasedAt === null)?.value;

      // 1. The session (Claude Code) dies: the worker sees it and sends the task back to ready.
      const first = fleet.factory(['work', '1'], alpha);
      const claude = Number(await until('the session to start', livePid));
      process.kill(claude, 'SIGKILL');
      const ended = await first;
      assert.equal(ended.status, 1, ended.stderr);
      assert.match(ended.stderr, /Claude Code exited with SIGKILL before it finished/);
      assert.equal(snapshot(fleet, 'alpha', 1).task.state, 'ready');

      // 2. The worker dies mid-session: its lease expires, recovery stops the orphaned session.
      const { spawn } = await import('node:child_process');
      const { factoryBin } = await import('@factory/testkit');
      const worker = spawn(process.execPath, [factoryBin, 'work', '1'], {
        cwd: alpha,
        env: fleet.env,
        stdio: 'ignore',
      });
      const orphan = Number(await until('the second session to start', livePid));
      worker.kill('SIGKILL');
      assert.equal(processState(orphan), 'alive', 'the session outlives its worker');
      await new Promise((resolve) => setTimeout(resolve, 8500));
      const recover = await fleet.factory(['task', 'recover', '--json'], alpha);
      assert.equal(recover.status, 0, recover.stderr);
      await until('the orphaned session to stop', () => processState(orphan) === 'dead');
      const after = snapshot(fleet, 'alpha', 1);
      assert.equal(after.task.state, 'running', 'free to claim again (a running task whose worker died)');
      assert.equal(after.task.owner, null);
      assert.equal(after.log.at(-1)?.event, 'lease-expired');
      assert.ok(
        after.resources.every((r) => r.kind === 'branch' || r.releasedAt !== null),
        JSON.stringify(after.resources),
      );
      assert.equal(fleet.git(alpha, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
    } finally {
      await fleet.close();
    }
  });
});
