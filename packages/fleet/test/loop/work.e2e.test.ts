import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkSessions } from '@factory/agent/state/work-sessions';
import { openRepositoryState } from '@factory/core/state/repository';
import { WorkRequests } from '../../src/state/work-requests.js';
import { commitScript, type LoopFleet, makeLoopFleet, writeConfigText } from './fixture.js';

/**
 * `factory task add --prompt` and `factory work` end to end: the real Claude Code CLI against the scripted
 * model server, real repositories with bare remotes set up by `factory init`, and the loopback forge through
 * octokit.
 */

function taskOf(fleet: LoopFleet, repo: string, id: number) {
  const state = openRepositoryState(fleet.repos[repo]!);
  try {
    return {
      task: state.tasks.get(id),
      log: state.tasks.log(id),
      resources: state.resources.list(id),
      sessions: new WorkSessions(state.store).sessions(id),
      requests: new WorkRequests(state.store).requests(id),
    };
  } finally {
    state.close();
  }
}

async function addTask(fleet: LoopFleet, repo: string, title: string, prompt: string, extra: string[] = []) {
  const added = await fleet.factory(
    ['task', 'add', title, '--prompt', prompt, '--json', ...extra],
    fleet.repos[repo]!,
  );
  assert.equal(added.status, 0, added.stderr);
  return (JSON.parse(added.stdout) as { task: { id: number; workflow: string; state: string } }).task;
}

describe('factory work', () => {
  let fleet: LoopFleet;
  before(async () => {
    fleet = await makeLoopFleet(['alpha', 'beta']);
  });
  after(async () => {
    await fleet.close();
  });

  it('takes a task from a prompt to an open pull request, with the session summarised in state.db', async () => {
    fleet.scripts.push({
      match: 'MARK-ALPHA',
      script: commitScript('notes.txt', 'alpha', 'docs: alpha note'),
    });
    const task = await addTask(fleet, 'alpha', 'Add an alpha note', 'MARK-ALPHA: add a line to notes.txt');
    assert.equal(task.workflow, 'work');
    assert.equal(task.state, 'ready');

    const work = await fleet.factory(['work', String(task.id)], fleet.repos.alpha!);
    assert.equal(work.status, 0, `${work.stdout}\n${work.stderr}`);
    assert.match(work.stdout, /review; requests: https:\/\/github\.invalid\/acme\/alpha\/pull\/1/);

    const { task: after, log, resources, sessions, requests } = taskOf(fleet, 'alpha', task.id);
    assert.equal(after.state, 'review');
    assert.equal(after.owner, null, 'the lease is given back while the request waits for review');
    assert.deepEqual(
      log.map((e) => e.event),
      ['create', 'claim', 'start', 'submit', 'release'],
    );
    assert.match(
      log.at(-2)?.reason ?? '',
      /^requests: .*pull\/1 \(session: \d+ turn\(s\), 1 tool call\(s\), 0 refused by the guard, [1-9]\d* gate run\(s\) \(0 failed\)/,
    );
    const branch = resources
      .find((r) => r.kind === 'branch')!
      .value.split(':')
      .pop()!;
    assert.match(branch, /^factory\/alpha-1-add-an-alpha-note$/);
    const pushed = fleet.git(fleet.bares.alpha!, 'rev-parse', `refs/heads/${branch}`).trim();
    assert.equal(
      fleet.git(fleet.bares.alpha!, 'log', '-1', '--format=%s', pushed).trim(),
      'docs: alpha note',
    );
    const pulls = fleet.forge.pulls('github', 'acme/alpha');
    assert.equal(pulls.length, 1);
    assert.equal(pulls[0]!.headRef, branch);
    assert.equal(pulls[0]!.headSha, pushed);
    assert.match(pulls[0]!.title, /Add an alpha note \(factory #1\)/);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.number, 1);
    assert.equal(requests[0]!.state, 'open');
    assert.equal(sessions.length, 1);
    const session = sessions[0]!;
    assert.equal(session.outcome, 'submitted');
    assert.equal(session.toolCalls, 1);
    assert.ok(session.turns >= 1);
    assert.equal(session.refusals, 0);
    assert.ok(session.gateRuns >= 1, 'the commit ran the pre-commit gate in the worktree');
    assert.ok(existsSync(session.streamPath));
    const worktree = resources.find((r) => r.kind === 'worktree')!;
    assert.equal(worktree.releasedAt, null, 'the worktree stays for rework until the task ends');
    assert.ok(
      existsSync(join(worktree.value, '.claude', 'settings.local.json')),
      'the guard is installed in the worktree',
    );
    assert.equal(
      fleet.git(fleet.repos.alpha!, 'status', '--porcelain'),
      '',
      'the main checkout is untouched',
    );
  });

  it('works again on the same branch and updates the same request instead of opening a second', async () => {
    fleet.scripts.push({ match: 'MARK-AGAIN', script: commitScript('again.txt', 'again', 'docs: again') });
    const task = await addTask(fleet, 'beta', 'Again', 'MARK-AGAIN: add again.txt');
    assert.equal((await fleet.factory(['work'], fleet.repos.beta!)).status, 0);
    const move = await fleet.factory(
      ['task', 'move', String(task.id), 'rework', '--reason', 'try again'],
      fleet.repos.beta!,
    );
    assert.equal(move.status, 0, move.stderr);
    const again = await fleet.factory(['work', String(task.id)], fleet.repos.beta!);
    assert.equal(again.status, 0, again.stderr);
    const pulls = fleet.forge.pulls('github', 'acme/beta');
    assert.equal(pulls.length, 1, 'one request per task and repository');
    const { requests, sessions } = taskOf(fleet, 'beta', task.id);
    assert.equal(sessions.length, 2);
    assert.equal(requests[0]!.number, 1);
    const branch = requests[0]!.branch;
    assert.equal(
      fleet.git(fleet.bares.beta!, 'rev-list', '--count', `main..${branch}`).trim(),
      '2',
      'the second session built on the first one',
    );
    assert.ok(
      fleet.model.requests.some((r) => r.raw.includes('This is rework: try again')),
      'the rework reason reached the model',
    );
  });

  it('sends a task back to ready when a gate refuses its commit, and says why', async () => {
    fleet.scripts.push({
      match: 'MARK-SECRET',
      script: {
        turns: [
          {
            toolCalls: [
              {
                name: 'Bash',
                input: {
                  command:
                    "printf 'aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\\n' > config.ini && git add config.ini && git commit -q -m 'feat: config'",
                  description: 'Commit the config',
                },
              },
            ],
          },
        ],
        finalText: 'Done.',
      },
    });
    const task = await addTask(fleet, 'alpha', 'Config', 'MARK-SECRET: add the config');
    const work = await fleet.factory(['work', String(task.id)], fleet.repos.alpha!);
    assert.equal(work.status, 1, work.stderr);
    assert.match(work.stderr, /uncommitted change\(s\) in .*alpha \(did a gate refuse the commit\?\)/);
    assert.equal(work.stderr.trim().split('\n').length, 1, 'one sentence');
    const { task: after, log, sessions } = taskOf(fleet, 'alpha', task.id);
    assert.equal(after.state, 'ready');
    assert.equal(after.owner, null);
    assert.equal(log.at(-2)?.event, 'retry');
    assert.equal(sessions[0]!.outcome, 'failed');
    assert.ok(sessions[0]!.gateFailures >= 1, 'the refused commit is counted');
    assert.equal(fleet.forge.pulls('github', 'acme/alpha').length, 1, 'no request for failed work');
  });

  it('a session over its budget is stopped by Claude Code and the task says so', async () => {
    const file = join(fleet.repos.beta!, 'factory.config.json');
    const before = readFileSync(file, 'utf8');
    writeConfigText(
      fleet,
      fleet.repos.beta!,
      JSON.stringify({ ...JSON.parse(before), loop: { maxBudgetUsd: 0.000001 } }),
    );
    try {
      fleet.scripts.push({
        match: 'MARK-BUDGET',
        script: {
          turns: [
            { toolCalls: [{ name: 'Bash', input: { command: 'true', description: 'Think' } }] },
            { toolCalls: [{ name: 'Bash', input: { command: 'true', description: 'Think more' } }] },
          ],
          finalText: 'Done.',
        },
      });
      const task = await addTask(fleet, 'beta', 'Costly', 'MARK-BUDGET: spend');
      const work = await fleet.factory(['work', String(task.id)], fleet.repos.beta!);
      assert.equal(work.status, 1, work.stderr);
      assert.match(work.stderr, /the session reached its budget of 0\.000001 USD \(loop\.maxBudgetUsd\)/);
      assert.equal(taskOf(fleet, 'beta', task.id).task.state, 'ready');
    } finally {
      writeConfigText(fleet, fleet.repos.beta!, before);
    }
  });

  it('refuses bad input with one sentence and leaves the task in a state that says why', async () => {
    const outside = await fleet.factory(
      ['task', 'add', 'Elsewhere', '--prompt', 'x', '--repo', fleet.root],
      fleet.repos.alpha!,
    );
    assert.equal(outside.status, 2);
    assert.match(
      outside.stderr,
      /is not a repository of the manifest .*repos\.yaml; add it with factory repos add/,
    );

    // a dirty main checkout
    const dirty = await addTask(fleet, 'beta', 'Dirty', 'MARK-NONE dirty');
    writeFileSync(join(fleet.repos.beta!, 'README.md'), 'changed\n');
    const refused = await fleet.factory(['work', String(dirty.id)], fleet.repos.beta!);
    fleet.git(fleet.repos.beta!, 'checkout', '--', 'README.md');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /has 1 uncommitted change\(s\); commit or stash them/);
    assert.equal(taskOf(fleet, 'beta', dirty.id).task.state, 'blocked');

    // a detached main checkout
    const detached = await addTask(fleet, 'beta', 'Detached', 'MARK-NONE detached');
    fleet.git(fleet.repos.beta!, 'checkout', '--quiet', '--detach', 'HEAD');
    const onDetached = await fleet.factory(['work', String(detached.id)], fleet.repos.beta!);
    fleet.git(fleet.repos.beta!, 'checkout', '--quiet', 'main');
    assert.equal(onDetached.status, 2);
    assert.match(
      onDetached.stderr,
      /the main checkout of .*beta is on a detached HEAD; check out its default branch/,
    );
    assert.equal(onDetached.stderr.trim().split('\n').length, 1, 'one sentence');
    assert.equal(taskOf(fleet, 'beta', detached.id).task.state, 'blocked');
    assert.match(taskOf(fleet, 'beta', detached.id).log.at(-2)?.reason ?? '', /detached HEAD/);

    // a branch of that name that is not the task's
    const taken = await addTask(fleet, 'beta', 'Taken', 'MARK-NONE taken');
    fleet.git(fleet.repos.beta!, 'branch', `factory/beta-${taken.id}-taken`);
    const branch = await fleet.factory(['work', String(taken.id)], fleet.repos.beta!);
    assert.equal(branch.status, 2);
    assert.match(
      branch.stderr,
      /branch factory\/beta-\d+-taken already exists in .*beta and is not this task's/,
    );
    assert.equal(taskOf(fleet, 'beta', taken.id).task.state, 'blocked');
    assert.equal(
      fleet.git(fleet.repos.beta!, 'rev-parse', `factory/beta-${taken.id}-taken`).trim(),
      fleet.git(fleet.repos.beta!, 'rev-parse', 'main').trim(),
      'the existing branch is untouched',
    );

    // Claude Code missing, then too old
    const missing = await addTask(fleet, 'beta', 'Missing', 'MARK-NONE missing');
    const noClaude = await fleet.factory(
      ['work', String(missing.id), '--claude', join(fleet.root, 'no-such-claude')],
      fleet.repos.beta!,
    );
    assert.equal(noClaude.status, 2);
    assert.match(
      noClaude.stderr,
      /Claude Code was not found at .*no-such-claude; install @anthropic-ai\/claude-code/,
    );
    assert.equal(taskOf(fleet, 'beta', missing.id).task.state, 'blocked');
    const old = join(fleet.root, 'old-claude');
    writeFileSync(old, '#!/bin/sh\necho "2.0.14 (Claude Code)"\n', { mode: 0o755 });
    const tooOld = await addTask(fleet, 'beta', 'Too old', 'MARK-NONE old');
    const oldRun = await fleet.factory(['work', String(tooOld.id), '--claude', old], fleet.repos.beta!);
    assert.equal(oldRun.status, 2);
    assert.match(
      oldRun.stderr,
      /Claude Code 2\.0\.14 is too old for factory work \(it needs 2\.1\.295 or newer/,
    );
    assert.match(taskOf(fleet, 'beta', tooOld.id).log.at(-2)?.reason ?? '', /too old/);
  });

  it('a remote that refuses the push: no request, the task is retried with the reason, nothing lost', async () => {
    const bare = fleet.bares.alpha!;
    const hook = join(bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "pushes to factory/* are closed today" >&2\nexit 1\n', {
      mode: 0o755,
    });
    try {
      fleet.scripts.push({ match: 'MARK-PUSH', script: commitScript('push.txt', 'push', 'docs: push') });
      const before = fleet.forge.pulls('github', 'acme/alpha').length;
      const task = await addTask(fleet, 'alpha', 'Refused push', 'MARK-PUSH: add push.txt');
      const work = await fleet.factory(['work', String(task.id)], fleet.repos.alpha!);
      assert.equal(work.status, 1, work.stderr);
      assert.match(
        work.stderr,
        /^factory: task #\d+ ready: the push of .*alpha was refused \([^\n]*pushes to factory\/\* are closed today[^\n]*\) \(session: [^\n]*\.\n$/,
      );
      const { task: after, requests, resources } = taskOf(fleet, 'alpha', task.id);
      assert.equal(after.state, 'ready');
      assert.equal(requests.length, 0, 'no request row: nothing reached the forge');
      assert.equal(fleet.forge.pulls('github', 'acme/alpha').length, before, 'no request opened');
      // The commit is kept in the task's worktree for the next attempt.
      const worktree = resources.find((r) => r.kind === 'worktree' && r.releasedAt === null)!.value;
      assert.equal(fleet.git(worktree, 'log', '-1', '--format=%s').trim(), 'docs: push');
    } finally {
      rmSync(hook);
    }
  });

  it('a forge that refuses the request: the push stays, the task is retried, and blocked when out of attempts', async () => {
    const lone = await makeLoopFleet(['gamma']);
    try {
      // The forge does not know acme/gamma: every request call is a 404.
      lone.forge.pulls('github', 'acme/gamma');
      lone.scripts.push({ match: 'MARK-GAMMA', script: commitScript('g.txt', 'g', 'docs: g') });
      const task = await addTask(lone, 'gamma', 'Gamma', 'MARK-GAMMA: add g.txt', ['--max-attempts', '1']);
      // An unknown project: make it unknown by pointing the manifest at another one.
      writeFileSync(
        join(lone.factoryHome, 'repos.yaml'),
        `version: 1\ndefaults:\n  forge: github\nrepositories:\n  - path: ${lone.repos.gamma}\n    project: acme/unknown\n`,
      );
      const work = await lone.factory(['work', String(task.id)], lone.repos.gamma!);
      assert.equal(work.status, 1, work.stderr);
      assert.match(
        work.stderr,
        /gave up after 1 attempt\(s\): the forge refused the request for .*gamma \(404: Not Found\)/,
      );
      const { task: after, requests } = taskOf(lone, 'gamma', task.id);
      assert.equal(after.state, 'blocked');
      assert.equal(requests[0]!.state, 'pushing', 'the request row says where to look');
      assert.ok(
        lone.git(lone.bares.gamma!, 'branch', '--list', 'factory/*').trim() !== '',
        'the push stayed',
      );
    } finally {
      await lone.close();
    }
  });
});
