import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState, type RepositoryState } from '@factory/core/state/repository';
import { type ForgeServer, makeTempRepo, startForgeServer, type TempRepo } from '@factory/testkit';
import { ForgeFactory } from '../../src/forge/index.js';
import { ForgeCache, settleTasks } from '../../src/loop/settle.js';
import { WorkRequests } from '../../src/state/work-requests.js';

/**
 * settleTasks against the loopback forge through octokit, on a real state database: the request's state on
 * the forge moves the task (merged: done; closed: blocked; failing checks or changes requested: rework, once
 * per head SHA).
 */

function inReview(
  state: RepositoryState,
  number: number,
  on: { forge: 'github' | 'gitlab'; project: string } = { forge: 'github', project: 'acme/app' },
): number {
  const { task } = state.tasks.add({
    title: `task ${number}`,
    workflow: 'work',
    data: { prompt: 'x', repos: [state.repoRoot] },
  });
  toReview(state, task.id);
  const requests = new WorkRequests(state.store);
  requests.beginRequest({
    taskId: task.id,
    repoPath: state.repoRoot,
    forge: on.forge,
    project: on.project,
    branch: `b${on.forge}${number}`,
  });
  requests.recordRequest(task.id, state.repoRoot, { number, url: `u${number}`, headSha: 'h', state: 'open' });
  return task.id;
}

function toReview(state: RepositoryState, id: number): void {
  state.tasks.claimTask(id, 'w', 60);
  state.tasks.move(id, 'start', { actor: 'w' });
  state.tasks.move(id, 'submit', { actor: 'w' });
  state.tasks.release(id, 'w');
}

describe('settleTasks', () => {
  let forge: ForgeServer;
  let repo: TempRepo;
  let state: RepositoryState;
  let cache: ForgeCache;
  before(async () => {
    forge = await startForgeServer();
    repo = makeTempRepo({ files: { 'README.md': '# app\n' } });
    state = openRepositoryState(repo.dir);
    cache = new ForgeCache(
      new ForgeFactory({
        GITHUB_API_URL: forge.githubApiUrl,
        GITHUB_TOKEN: 't',
        GITLAB_HOST: forge.gitlabHost,
        GITLAB_TOKEN: 't',
        FACTORY_FORGE_WRITE_SPACING_MS: '0',
      }),
    );
  });
  after(async () => {
    state.close();
    repo.cleanup();
    await forge.close();
  });

  it('sends a request with changes requested to rework once per head, and ends the task when it merges', async () => {
    const pull = forge.github('acme/app', { number: 1, changesRequested: ['alice'] });
    const id = inReview(state, 1);
    const first = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(first[0]?.action, 'rework');
    assert.match(first[0]!.detail, /changes requested on [0-9a-f]{12} of .*\/pull\/1 by alice/);
    assert.equal(state.tasks.get(id).state, 'ready');
    toReview(state, id);
    const same = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(same[0]?.action, 'waiting', 'the same head is not sent to rework twice');
    pull.state = 'merged';
    const merged = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(merged[0]?.action, 'done');
    assert.equal(state.tasks.get(id).state, 'done');
    assert.equal(new WorkRequests(state.store).requests(id)[0]?.state, 'merged');
  });

  it('on GitLab too: a merge request whose reviewer requested changes goes to rework once per head', async () => {
    const mr = forge.gitlab('acme/lab', { number: 1, changesRequested: ['bob'], approvals: ['carol'] });
    const id = inReview(state, 1, { forge: 'gitlab', project: 'acme/lab' });
    const first = await settleTasks({ state, forges: cache, rework: true });
    const entry = first.find((e) => e.taskId === id);
    assert.equal(entry?.action, 'rework');
    assert.match(entry!.detail, /changes requested on [0-9a-f]{12} of .*\/merge_requests\/1 by bob;/);
    assert.equal(state.tasks.get(id).state, 'ready');
    toReview(state, id);
    const same = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(same.find((e) => e.taskId === id)?.action, 'waiting', 'the same head is not sent twice');
    forge.push('gitlab', 'acme/lab', 1);
    const moved = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(moved.find((e) => e.taskId === id)?.action, 'rework', 'a new head asking again is');
    toReview(state, id);
    mr.changesRequested = [];
    mr.state = 'merged';
    const merged = await settleTasks({ state, forges: cache, rework: true });
    assert.equal(merged.find((e) => e.taskId === id)?.action, 'done');
  });

  it('blocks a task whose request was closed without a merge, and leaves open ones waiting', async () => {
    forge.github('acme/app', { number: 2, state: 'closed' });
    forge.github('acme/app', { number: 3 });
    const closed = inReview(state, 2);
    const open = inReview(state, 3);
    const entries = await settleTasks({ state, forges: cache });
    assert.equal(entries.find((e) => e.taskId === closed)?.action, 'blocked');
    assert.match(state.tasks.log(closed).at(-1)?.reason ?? '', /the request u2 was closed without a merge/);
    assert.equal(entries.find((e) => e.taskId === open)?.action, 'waiting');
    assert.equal(state.tasks.get(open).state, 'review');
  });
});
