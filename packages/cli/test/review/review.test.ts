import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { type ForgeServer, fakeSha, runFactoryAsync, startForgeServer } from '@factory/testkit';
import {
  assertNoTokenIn,
  byNumber,
  envFor,
  GITHUB_TOKEN,
  GITLAB_TOKEN,
  type ReviewJson,
  setup,
} from './support.js';

describe('factory review against a GitHub forge on loopback (real octokit)', () => {
  let server: ForgeServer;
  before(async () => {
    server = await startForgeServer();
  });
  after(async () => {
    await server.close();
  });

  it('decides every pull request with its reasons, merges only what policy allows, once, naming the head SHA', async () => {
    const project = 'acme/policy';
    const { repo, manifest } = setup('github', project);
    try {
      server.github(project, { number: 1, title: 'green' });
      server.github(project, { number: 2, title: 'no checks', checks: [] });
      server.github(project, {
        number: 3,
        title: 'hooks',
        files: [{ filename: '.husky/pre-commit', additions: 1, deletions: 1 }],
      });
      server.github(project, { number: 4, title: 'draft', draft: true });
      server.github(project, {
        number: 5,
        title: 'running',
        checks: [{ name: 'ci', status: 'in_progress' }],
      });
      server.github(project, {
        number: 6,
        title: 'red status',
        statuses: [{ context: 'lint', state: 'failure' }],
      });
      server.github(project, { number: 7, title: 'by a stranger', author: 'mallory' });
      server.github(project, { number: 8, title: 'do not merge', labels: ['do-not-merge'] });
      const old = fakeSha('old');
      server.github(project, {
        number: 9,
        title: 'checks on an old commit',
        checks: [{ name: 'ci', status: 'completed', conclusion: 'success', sha: old }],
      });
      const env = envFor(server, repo);

      const dry = await runFactoryAsync(['review', '--manifest', manifest, '--json'], { env });
      assert.equal(dry.status, 0, dry.stderr);
      const dryResult = JSON.parse(dry.stdout) as ReviewJson;
      const verdicts = Object.fromEntries([...byNumber(dryResult)].map(([n, p]) => [n, p.verdict]));
      assert.deepEqual(verdicts, {
        1: 'merge',
        2: 'blocked',
        3: 'human',
        4: 'blocked',
        5: 'wait',
        6: 'blocked',
        7: 'human',
        8: 'blocked',
        9: 'blocked',
      });
      assert.equal(byNumber(dryResult).get(1)!.action, 'dry-run');
      assert.equal(server.requests.filter((r) => r.method !== 'GET').length, 0, 'a dry run modifies nothing');

      const merged = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env });
      assert.equal(merged.status, 0, merged.stderr);
      const result = JSON.parse(merged.stdout) as ReviewJson;
      assert.equal(result.summary.merged, 1);
      assert.equal(byNumber(result).get(1)!.action, 'merged');
      const puts = server.requests.filter((r) => r.method === 'PUT');
      assert.equal(puts.length, 1);
      assert.match(puts[0]!.path, /\/pulls\/1\/merge$/);
      assert.deepEqual((puts[0]!.body as { sha: string }).sha, server.pull('github', project, 1).headSha);
      for (let n = 2; n <= 9; n++)
        assert.equal(server.pull('github', project, n).mergeCount, 0, `#${n} merged`);

      // Each request's task in the pull-request workflow moved with the decisions.
      const state = openRepositoryState(repo.dir);
      try {
        const taskState = (n: number) => state.tasks.findByKey(`github:${project}#${n}`)?.state;
        assert.deepEqual([1, 2, 3, 5].map(taskState), [
          'merged',
          'changes-requested',
          'reviewing',
          'checking',
        ]);
        const log = state.tasks.log(state.tasks.findByKey(`github:${project}#1`)!.id).map((e) => e.to);
        assert.deepEqual(log.slice(-3), ['approved', 'merging', 'merged']);
      } finally {
        state.close();
      }

      // A third run finds nothing new to merge: nothing is merged twice.
      const again = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env });
      assert.equal(again.status, 0, again.stderr);
      assert.equal(server.pull('github', project, 1).mergeCount, 1);
      assert.equal(server.requests.filter((r) => r.method === 'PUT').length, 1);

      // Every decision was recorded, the token was sent to the forge and never written anywhere else.
      assert.ok(server.requests.every((r) => r.auth?.includes(GITHUB_TOKEN)));
      const text = await runFactoryAsync(['review', '--manifest', manifest, '--debug'], { env });
      assertNoTokenIn(repo, dry.stdout, dry.stderr, merged.stdout, merged.stderr, text.stdout, text.stderr);
      assert.match(text.stdout, /changes protected paths/);
      assert.match(text.stdout, /no checks reported on the head commit/);
    } finally {
      repo.cleanup();
    }
  });

  it('after a 500 on merge that did merge, re-reads the pull request and does not merge again', async () => {
    const project = 'acme/five-hundred-merged';
    const { repo, manifest } = setup('github', project);
    try {
      server.github(project, { number: 1 });
      server.faults.mergeServerError = { count: 1, performed: true };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(run.status, 0, run.stderr);
      const pull = byNumber(JSON.parse(run.stdout) as ReviewJson).get(1)!;
      assert.equal(pull.action, 'merged');
      const mine = server.requests.filter((r) => r.path.includes(project));
      const putIndex = mine.findIndex((r) => r.method === 'PUT');
      assert.equal(mine.filter((r) => r.method === 'PUT').length, 1, 'exactly one merge call');
      assert.ok(
        mine.slice(putIndex + 1).some((r) => r.method === 'GET' && r.path.endsWith('/pulls/1')),
        'the pull request was read again after the 500',
      );
      assert.equal(server.pull('github', project, 1).mergeCount, 1);
    } finally {
      repo.cleanup();
    }
  });

  it('after a 500 on merge that did not merge, re-reads first, then merges the same SHA once', async () => {
    const project = 'acme/five-hundred-open';
    const { repo, manifest } = setup('github', project);
    try {
      const pull = server.github(project, { number: 1 });
      server.faults.mergeServerError = { count: 1, performed: false };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(byNumber(JSON.parse(run.stdout) as ReviewJson).get(1)!.action, 'merged');
      const mine = server.requests.filter((r) => r.path.includes(project));
      const puts = mine.map((r, i) => ({ r, i })).filter(({ r }) => r.method === 'PUT');
      assert.equal(puts.length, 2);
      const between = mine.slice(puts[0]!.i + 1, puts[1]!.i);
      assert.ok(
        between.some((r) => r.method === 'GET' && r.path.endsWith('/pulls/1')),
        're-read before the retry',
      );
      assert.ok(puts.every(({ r }) => (r.body as { sha: string }).sha === pull.headSha));
      assert.equal(pull.mergeCount, 1);
    } finally {
      repo.cleanup();
    }
  });

  it('a head that moves between the check and the merge fails safely: nothing merged, exit 1', async () => {
    const project = 'acme/moving-head';
    const { repo, manifest } = setup('github', project);
    try {
      const pull = server.github(project, { number: 1 });
      const judged = pull.headSha;
      server.faults.moveHeadBeforeMerge = { number: 1, newSha: fakeSha('pushed during review') };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(run.status, 1, run.stderr);
      const entry = byNumber(JSON.parse(run.stdout) as ReviewJson).get(1)!;
      assert.equal(entry.action, 'head-moved');
      assert.equal(entry.headSha, judged);
      assert.equal(pull.mergeCount, 0);
      assert.equal(pull.state, 'open');
    } finally {
      repo.cleanup();
    }
  });

  it('waits out a 429 with Retry-After and a secondary rate limit, and spaces modifying calls', async () => {
    const project = 'acme/limits';
    const { repo, manifest } = setup('github', project);
    try {
      server.github(project, { number: 1 });
      server.github(project, { number: 2 });
      server.faults.rateLimit = { count: 1, retryAfterSeconds: 1, pathIncludes: project };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
        env: envFor(server, repo, { FACTORY_FORGE_WRITE_SPACING_MS: '400' }),
      });
      assert.equal(run.status, 0, run.stderr);
      const mine = server.requests.filter((r) => r.path.includes(project));
      const limited = mine.findIndex((r) => r.status === 429);
      assert.ok(limited >= 0);
      assert.ok(mine[limited + 1]!.at - mine[limited]!.at >= 950, 'the retry came after Retry-After');
      const puts = mine.filter((r) => r.method === 'PUT');
      assert.equal(puts.length, 2);
      assert.ok(puts[1]!.at - puts[0]!.at >= 390, 'modifying calls are spaced');

      server.github(project, { number: 3 });
      server.faults.secondaryLimit = { count: 1, retryAfterSeconds: 1 };
      const second = await runFactoryAsync(['review', '--manifest', manifest, '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(second.status, 0, second.stderr);
      assert.equal(byNumber(JSON.parse(second.stdout) as ReviewJson).get(3)!.verdict, 'merge');
    } finally {
      repo.cleanup();
    }
  });

  it('two reviewers merging at once: every request is merged exactly once', async () => {
    const project = 'acme/two-reviewers';
    const { repo, manifest } = setup('github', project);
    try {
      const pulls = [1, 2, 3, 4, 5, 6].map((number) => server.github(project, { number }));
      const env = envFor(server, repo);
      const [a, b] = await Promise.all([
        runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env }),
        runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env }),
      ]);
      assert.equal(a.status, 0, a.stderr + a.stdout);
      assert.equal(b.status, 0, b.stderr + b.stdout);
      for (const pull of pulls) assert.equal(pull.mergeCount, 1, `#${pull.number}`);
      const puts = server.requests.filter((r) => r.method === 'PUT' && r.path.includes(project));
      assert.equal(puts.length, 6, 'no request was sent to the forge twice');
    } finally {
      repo.cleanup();
    }
  });

  it('a rate limit longer than allowed is one clear error for that repository, exit 1', async () => {
    const project = 'acme/long-limit';
    const { repo, manifest } = setup('github', project);
    try {
      server.github(project, { number: 1 });
      server.faults.rateLimit = { count: 1, retryAfterSeconds: 3600, pathIncludes: project };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(run.status, 1);
      const result = JSON.parse(run.stdout) as ReviewJson;
      assert.match(result.repositories[0]!.error!, /rate limit.*3600 s/);
    } finally {
      server.faults.rateLimit = undefined;
      repo.cleanup();
    }
  });
});

describe('factory review against a GitLab forge on loopback (real @gitbeaker/rest)', () => {
  let server: ForgeServer;
  before(async () => {
    server = await startForgeServer();
  });
  after(async () => {
    await server.close();
  });

  it('merges a green merge request with its SHA, refuses one without a pipeline, keeps protected paths for a human', async () => {
    const project = 'group/app';
    const { repo, manifest } = setup('gitlab', project, { requiredChecks: ['test'] });
    try {
      const green = server.gitlab(project, {
        number: 1,
        checks: [
          { name: 'test', status: 'completed', conclusion: 'success' },
          { name: 'lint', status: 'completed', conclusion: 'success' },
        ],
      });
      server.gitlab(project, { number: 2, checks: [] });
      server.gitlab(project, {
        number: 3,
        checks: [{ name: 'test', status: 'completed', conclusion: 'success' }],
        files: [{ filename: '.gitlab-ci.yml', additions: 2, deletions: 0 }],
      });
      server.gitlab(project, {
        number: 4,
        checks: [{ name: 'test', status: 'completed', conclusion: 'failure' }],
      });
      server.gitlab(project, {
        number: 5,
        checks: [{ name: 'test', status: 'completed', conclusion: 'success' }],
        behind: true,
      });
      const env = envFor(server, repo);
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout) as ReviewJson;
      const verdicts = Object.fromEntries(
        [...byNumber(result)].map(([n, p]) => [n, `${p.verdict}/${p.action}`]),
      );
      assert.deepEqual(verdicts, {
        1: 'merge/merged',
        2: 'blocked/none',
        3: 'human/none',
        4: 'blocked/none',
        5: 'blocked/none',
      });
      const puts = server.requests.filter((r) => r.method === 'PUT');
      assert.equal(puts.length, 1);
      assert.equal((puts[0]!.body as { sha: string }).sha, fakeSha(`gitlab:${project}#1`));
      assert.equal(green.mergeCount, 1);
      assert.ok(server.requests.every((r) => r.auth === GITLAB_TOKEN));
      assertNoTokenIn(repo, run.stdout, run.stderr);
    } finally {
      repo.cleanup();
    }
  });

  it('a 500 on merge is followed by a re-read; a moved head is never merged', async () => {
    const project = 'group/faults';
    const { repo, manifest } = setup('gitlab', project);
    try {
      const first = server.gitlab(project, { number: 1 });
      const second = server.gitlab(project, { number: 2 });
      server.faults.mergeServerError = { count: 1, performed: true };
      server.faults.moveHeadBeforeMerge = { number: 2, newSha: fakeSha('moved') };
      server.faults.rateLimit = { count: 1, retryAfterSeconds: 1, pathIncludes: 'merge_requests/2' };
      const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
        env: envFor(server, repo),
      });
      assert.equal(run.status, 1, run.stderr);
      const result = byNumber(JSON.parse(run.stdout) as ReviewJson);
      assert.equal(result.get(1)!.action, 'merged');
      assert.equal(result.get(2)!.action, 'head-moved');
      assert.equal(first.mergeCount, 1);
      assert.equal(second.mergeCount, 0);
      const mine = server.requests.filter((r) => r.path.includes(encodeURIComponent(project)));
      assert.equal(mine.filter((r) => r.method === 'PUT' && r.path.includes('/1/merge')).length, 1);
      assert.ok(mine.some((r) => r.status === 429));
    } finally {
      repo.cleanup();
    }
  });
});
