import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { WorkRequests } from '../../src/state/work-requests.js';
import { commitScript, configureLoop, type LoopFleet, makeLoopFleet } from './fixture.js';

/**
 * The loop on GitLab end to end: the real Claude Code against the scripted model, a GitLab project on the
 * loopback forge reached through @gitbeaker/rest, the manifest's merge policy for it (one approval), a
 * reviewer's requested changes sent back to work on the same branch, `factory review --merge` ending the
 * task; and a task spanning a GitHub and a GitLab repository.
 */

function taskOf(fleet: LoopFleet, repo: string, id: number) {
  const state = openRepositoryState(fleet.repos[repo]!);
  try {
    return {
      task: state.tasks.get(id),
      log: state.tasks.log(id),
      resources: state.resources.list(id),
      requests: new WorkRequests(state.store).requests(id),
    };
  } finally {
    state.close();
  }
}

async function until(what: string, fn: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the loop on GitLab', () => {
  let fleet: LoopFleet;
  before(async () => {
    fleet = await makeLoopFleet(['hub', 'lab'], { gitlab: { lab: { requiredApprovals: 1 } } });
    configureLoop(fleet, { leaseSeconds: 20, cadenceSeconds: 0.3 });
  });
  after(async () => {
    await fleet.close();
  });

  it('opens a merge request, reworks it on requested changes, and merges it when the policy allows', async () => {
    const lab = fleet.repos.lab!;
    fleet.scripts.push({ match: 'MARK-LAB', script: commitScript('lab.txt', 'lab', 'docs: lab') });
    const added = await fleet.factory(['task', 'add', 'Lab note', '--prompt', 'MARK-LAB: add lab.txt'], lab);
    assert.equal(added.status, 0, added.stderr);
    const work = await fleet.factory(['work', '1'], lab);
    assert.equal(work.status, 0, work.stderr);
    assert.match(work.stdout, /review; requests: https:\/\/gitlab\.invalid\/acme\/lab\/-\/merge_requests\/1/);
    const [mr] = fleet.forge.pulls('gitlab', 'acme/lab');
    const branch = 'factory/lab-1-lab-note';
    assert.equal(mr!.headRef, branch);
    assert.equal(mr!.headSha, fleet.git(fleet.bares.lab!, 'rev-parse', `refs/heads/${branch}`).trim());
    assert.match(mr!.title, /^Lab note \(factory #1\)$/);
    assert.ok(
      fleet.forge.requests.some(
        (r) => r.method === 'POST' && r.path === '/gitlab/api/v4/projects/acme%2Flab/merge_requests',
      ),
      'opened through the GitLab API',
    );

    // A reviewer asks for changes: the loop's pass sends the task back to work on the same branch.
    mr!.changesRequested = ['bob'];
    const tick = await fleet.factory(['loop', 'tick', '--concurrency', '1', '--json'], lab);
    assert.equal(tick.status, 0, tick.stderr);
    const report = JSON.parse(tick.stdout) as {
      merged: number;
      settled: Array<{ action: string; detail: string }>;
      dispatched: Array<{ taskId: number }>;
    };
    assert.equal(report.merged, 0, 'the policy wants an approval');
    assert.equal(report.settled[0]?.action, 'rework');
    assert.match(
      report.settled[0]!.detail,
      /changes requested on [0-9a-f]{12} of .*merge_requests\/1 by bob/,
    );
    assert.deepEqual(
      report.dispatched.map((d) => d.taskId),
      [1],
    );
    await until('the rework to reach review', () => {
      const { task } = taskOf(fleet, 'lab', 1);
      return task.state === 'review' && task.owner === null;
    });
    mr!.changesRequested = [];
    assert.equal(fleet.forge.pulls('gitlab', 'acme/lab').length, 1, 'the same merge request, updated');
    assert.equal(fleet.git(fleet.bares.lab!, 'rev-list', '--count', `main..${branch}`).trim(), '2');
    assert.equal(mr!.headSha, fleet.git(fleet.bares.lab!, 'rev-parse', `refs/heads/${branch}`).trim());
    assert.ok(
      fleet.model.requests.some((r) => r.raw.includes('changes requested on') && r.raw.includes('by bob')),
      'the reason reached the session',
    );

    // The manifest's policy for lab: one approval. Without it review does not merge.
    const waiting = await fleet.factory(['review', '--merge'], lab);
    assert.equal(waiting.status, 0, waiting.stderr);
    assert.equal(taskOf(fleet, 'lab', 1).task.state, 'review');
    assert.equal(mr!.mergeCount, 0);
    mr!.approvals = ['carol'];
    const review = await fleet.factory(['review', '--merge'], lab);
    assert.equal(review.status, 0, review.stderr);
    assert.match(
      review.stdout,
      /task #1 done: every request merged: https:\/\/gitlab\.invalid\/acme\/lab\/-\/merge_requests\/1/,
    );
    const { task, resources } = taskOf(fleet, 'lab', 1);
    assert.equal(task.state, 'done');
    assert.equal(mr!.mergeCount, 1);
    assert.ok(
      resources.every((r) => r.releasedAt !== null),
      JSON.stringify(resources),
    );
    assert.equal(fleet.git(lab, 'branch', '--list', 'factory/*').trim(), '');
    assert.equal(fleet.git(lab, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  });

  it('a task spanning a GitHub and a GitLab repository: one request on each, done when both merged', async () => {
    const hub = fleet.repos.hub!;
    const lab = fleet.repos.lab!;
    const labWorktree = join(lab, '.factory', 'worktrees', 'factory-hub-1-span-both-forges');
    fleet.scripts.push({
      match: 'MARK-SPAN',
      script: {
        turns: [
          {
            toolCalls: [
              {
                name: 'Bash',
                input: {
                  command: `printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span hub'`,
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
                  command: `cd ${labWorktree} && printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span lab'`,
                  description: 'Commit in lab',
                },
              },
            ],
          },
        ],
        finalText: 'Done in both repositories.',
      },
    });
    const added = await fleet.factory(
      ['task', 'add', 'Span both forges', '--prompt', 'MARK-SPAN: both', '--repo', hub, '--repo', lab],
      hub,
    );
    assert.equal(added.status, 0, added.stderr);
    const work = await fleet.factory(['work', '1'], hub);
    assert.equal(work.status, 0, work.stderr);
    const requests = taskOf(fleet, 'hub', 1).requests;
    assert.deepEqual(requests.map((r) => [r.forge, r.project, r.state]).sort(), [
      ['github', 'acme/hub', 'open'],
      ['gitlab', 'acme/lab', 'open'],
    ]);
    const labMr = fleet.forge
      .pulls('gitlab', 'acme/lab')
      .find((p) => p.headRef === 'factory/hub-1-span-both-forges')!;
    const hubPr = fleet.forge.pulls('github', 'acme/hub')[0]!;

    // GitHub's policy lets the loop merge; GitLab's waits for an approval, so the task waits too.
    const first = await fleet.factory(['review', '--merge'], hub);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(hubPr.state, 'merged');
    assert.equal(labMr.state, 'open');
    assert.equal(taskOf(fleet, 'hub', 1).task.state, 'review');
    labMr.approvals = ['carol'];
    const second = await fleet.factory(['review', '--merge'], hub);
    assert.equal(second.status, 0, second.stderr);
    const { task, resources } = taskOf(fleet, 'hub', 1);
    assert.equal(task.state, 'done', second.stdout);
    assert.equal(hubPr.mergeCount, 1);
    assert.equal(labMr.mergeCount, 1);
    assert.ok(
      resources.every((r) => r.releasedAt !== null),
      JSON.stringify(resources),
    );
    for (const repo of [hub, lab]) {
      assert.equal(fleet.git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
      assert.equal(fleet.git(repo, 'branch', '--list', 'factory/*').trim(), '');
    }
  });
});
