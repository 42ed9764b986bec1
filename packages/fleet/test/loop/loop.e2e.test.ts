import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { factoryBin } from '@factory/testkit';
import { WorkRequests } from '../../src/state/work-requests.js';
import { commitScript, configureLoop, type LoopFleet, makeLoopFleet } from './fixture.js';

/**
 * `factory loop run` end to end: several repositories, a task spanning two of them, the real Claude Code
 * against the scripted model, the loopback forge merging through the manifest's policy; then the same with
 * the orchestrator SIGKILLed twice at random points. Every task must end merged with its worktrees and
 * branches reclaimed, exactly one request per task and repository, and a task log that tells the story.
 */

const names = ['alpha', 'beta', 'gamma'];

// Leases long enough for a loaded machine (2 cores shared by many test processes): heartbeats must land.
const loopSettings = { leaseSeconds: 20, cadenceSeconds: 0.3, maxAttempts: 6 };

async function addTasks(fleet: LoopFleet, tag: string): Promise<void> {
  const alpha = fleet.repos.alpha!;
  const gamma = fleet.repos.gamma!;
  const add = async (cwd: string, title: string, marker: string, extra: string[] = []) => {
    const r = await fleet.factory(['task', 'add', title, '--prompt', `${marker}: do it`, ...extra], cwd);
    assert.equal(r.status, 0, r.stderr);
  };
  fleet.scripts.push({ match: `${tag}-ONE`, script: commitScript('one.txt', 'one', 'docs: one') });
  fleet.scripts.push({ match: `${tag}-TWO`, script: commitScript('two.txt', 'two', 'docs: two') });
  fleet.scripts.push({ match: `${tag}-FOUR`, script: commitScript('four.txt', 'four', 'docs: four') });
  // The spanning task (#2 of alpha) commits in its own worktree and in gamma's.
  const gammaWorktree = join(gamma, '.factory', 'worktrees', 'factory-alpha-2-span-two-repositories');
  fleet.scripts.push({
    match: `${tag}-SPAN`,
    script: {
      turns: [
        {
          toolCalls: [
            {
              name: 'Bash',
              input: {
                command: `printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span here'`,
                description: 'Commit here',
              },
            },
          ],
        },
        {
          toolCalls: [
            {
              name: 'Bash',
              input: {
                command: `cd ${gammaWorktree} && printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span there'`,
                description: 'Commit in gamma',
              },
            },
          ],
        },
      ],
      finalText: 'Done in both repositories.',
    },
  });
  await add(alpha, 'One', `${tag}-ONE`);
  await add(alpha, 'Span two repositories', `${tag}-SPAN`, ['--repo', alpha, '--repo', gamma]);
  await add(fleet.repos.beta!, 'Two', `${tag}-TWO`);
  await add(gamma, 'Four', `${tag}-FOUR`);
}

/** Every work task's log, for a failure message. */
function story(fleet: LoopFleet): string {
  const lines: string[] = [];
  for (const name of names) {
    const state = openRepositoryState(fleet.repos[name]!);
    try {
      for (const task of state.tasks.list({ workflow: 'work' })) {
        lines.push(`${name} #${task.id} ${task.state}`);
        for (const e of state.tasks.log(task.id))
          lines.push(`  ${e.event} ${e.from} -> ${e.to} by ${e.actor}: ${e.reason ?? ''}`);
      }
    } finally {
      state.close();
    }
  }
  return lines.join('\n');
}

function assertAllMerged(fleet: LoopFleet): void {
  const expected: Record<string, number> = { alpha: 2, beta: 1, gamma: 2 };
  for (const name of names) {
    const pulls = fleet.forge.pulls('github', `acme/${name}`);
    assert.equal(
      pulls.length,
      expected[name],
      `${name}: ${pulls.map((p) => p.headRef).join(', ')}\n${story(fleet)}`,
    );
    const refs = pulls.map((p) => p.headRef);
    assert.equal(new Set(refs).size, refs.length, `${name}: one request per task`);
    for (const pull of pulls) {
      assert.equal(pull.state, 'merged', `${name}#${pull.number}`);
      assert.equal(pull.mergeCount, 1);
    }
    const worktrees = fleet.git(fleet.repos[name]!, 'worktree', 'list', '--porcelain');
    assert.equal(worktrees.match(/^worktree /gm)?.length, 1, `${name}: worktrees left:\n${worktrees}`);
    assert.equal(
      fleet.git(fleet.repos[name]!, 'branch', '--list', 'factory/*').trim(),
      '',
      `${name}: branches left`,
    );
  }
  for (const name of ['alpha', 'beta', 'gamma']) {
    const state = openRepositoryState(fleet.repos[name]!);
    try {
      const tasks = state.tasks.list({ workflow: 'work' });
      for (const task of tasks) {
        assert.equal(
          task.state,
          'done',
          `${name} task ${task.id}: ${JSON.stringify(state.tasks.log(task.id))}`,
        );
        const events = state.tasks.log(task.id).map((e) => e.event);
        assert.deepEqual(events.slice(0, 1), ['create']);
        assert.ok(events.includes('start') && events.includes('submit'), events.join(' '));
        assert.equal(events.at(-1), 'merged');
        assert.deepEqual(
          state.resources.list(task.id, true).map((r) => `${r.kind} ${r.value} ${r.outcome}`),
          [],
          'nothing held after the end',
        );
        const requests = new WorkRequests(state.store).requests(task.id);
        assert.ok(requests.every((r) => r.state === 'merged'));
      }
      assert.deepEqual(state.tasks.audit(), []);
    } finally {
      state.close();
    }
  }
}

function startLoop(fleet: LoopFleet) {
  const child = spawn(process.execPath, [factoryBin, 'loop', 'run', '--concurrency', '2', '--until-idle'], {
    cwd: fleet.repos.alpha!,
    env: fleet.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, done, output: () => output };
}

describe('factory loop run', () => {
  it('takes every task of several repositories to a merged request, two loops at once never working one task', async () => {
    const fleet = await makeLoopFleet(names);
    try {
      configureLoop(fleet, loopSettings);
      await addTasks(fleet, 'CALM');
      const loops = [startLoop(fleet), startLoop(fleet)];
      const timer = setTimeout(() => {
        for (const loop of loops) loop.child.kill('SIGKILL');
      }, 240_000);
      const codes = await Promise.all(loops.map((loop) => loop.done));
      clearTimeout(timer);
      assert.deepEqual(codes, [0, 0], loops.map((loop) => loop.output()).join('\n'));
      assertAllMerged(fleet);
      for (const name of names) {
        const state = openRepositoryState(fleet.repos[name]!);
        try {
          for (const task of state.tasks.list({ workflow: 'work' })) {
            const events = state.tasks.log(task.id).map((e) => e.event);
            // One attempt, or one more for each session that failed and was retried (a loaded machine
            // can fail a session): never a second start while an attempt runs (the workflow refuses
            // `start` outside `ready`, and only the lease holder may move the task).
            const retries = events.filter((e) => e === 'retry').length;
            const starts = events.filter((e) => e === 'start').length;
            assert.equal(starts, 1 + retries, `${name} #${task.id}: ${events.join(' ')}`);
            assert.ok(
              events.filter((e) => e === 'claim').length >= starts,
              `${name} #${task.id}: ${events.join(' ')}`,
            );
          }
        } finally {
          state.close();
        }
      }
      const log = await fleet.factory(['task', 'log', '2'], fleet.repos.alpha!);
      assert.match(log.stdout, /submit +running -> review/);
      assert.match(
        log.stdout,
        /merged +review -> done +by factory-loop: every request merged: .*acme\/alpha\/pull.*acme\/gamma\/pull/,
      );
      const status = await fleet.factory(['statusline'], fleet.repos.alpha!);
      assert.equal(
        status.stdout.trim(),
        'factory: 0 in flight, 0 ready, 0 in review, 0 blocked, 4 merged today',
      );
      const all = await fleet.factory(['status', '--all', '--json'], fleet.repos.beta!);
      assert.equal(all.status, 0, all.stderr);
      const report = JSON.parse(all.stdout) as { loop: string; repositories: Array<{ repository: string }> };
      assert.deepEqual(
        report.repositories.map((r) => r.repository),
        names.map((n) => fleet.repos[n]),
      );
      assert.match(report.loop, /4 merged today/);
    } finally {
      await fleet.close();
    }
  });

  it('loses nothing and doubles nothing when the orchestrator is SIGKILLed twice at random points', async () => {
    const fleet = await makeLoopFleet(names);
    try {
      configureLoop(fleet, loopSettings);
      await addTasks(fleet, 'KILL');
      for (let kill = 0; kill < 2; kill++) {
        const loop = startLoop(fleet);
        await new Promise((resolve) => setTimeout(resolve, 1500 + Math.floor(Math.random() * 5000)));
        loop.child.kill('SIGKILL');
        await loop.done;
      }
      const loop = startLoop(fleet);
      const timer = setTimeout(() => loop.child.kill('SIGKILL'), 240_000);
      const code = await loop.done;
      clearTimeout(timer);
      assert.equal(code, 0, loop.output());
      assertAllMerged(fleet);
    } finally {
      await fleet.close();
    }
  });
});
