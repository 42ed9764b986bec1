import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  type ForgeServer,
  factoryBin,
  makeTempRepo,
  runFactory,
  runFactoryAsync,
  startForgeServer,
  type TempRepo,
  type TestDatabase,
  testPostgres,
} from '@factory/testkit';
import pg from 'pg';

const GITHUB_TOKEN = 'ghp_shared0review0test0token0000000000';
const postgres = testPostgres();

/** One reviewer's machine: its own clone (its own .factory/state.db), manifest and FACTORY_HOME. */
function machine(server: ForgeServer, project: string, url: string) {
  const repo = makeTempRepo({ files: { 'README.md': '# app\n' } });
  const manifest = join(repo.home, 'repos.yaml');
  writeFileSync(
    manifest,
    `version: 1\nrepositories:\n  - path: ${repo.dir}\n    forge: github\n    project: ${project}\n    review: {"authors": ["dependabot[bot]"]}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...repo.env,
    FACTORY_HOME: join(repo.home, 'factory-home'),
    GITHUB_TOKEN,
    GITHUB_API_URL: server.githubApiUrl,
    FACTORY_FORGE_WRITE_SPACING_MS: '0',
    FACTORY_STATE_URL: url,
  };
  return { repo, manifest, env };
}

describe('factory review with FACTORY_STATE_URL: reviewers on several machines', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let server: ForgeServer;
  let db: TestDatabase;
  const repos: TempRepo[] = [];
  before(async () => {
    server = await startForgeServer();
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
  });
  after(async () => {
    for (const repo of repos) repo.cleanup();
    await server.close();
    await db.drop();
  });

  it('two clones, each with its own SQLite state, merge every request exactly once through the shared tasks', async () => {
    const project = 'acme/shared';
    const pulls = [1, 2, 3, 4, 5, 6].map((number) => server.github(project, { number }));
    const a = machine(server, project, db.url);
    const b = machine(server, project, db.url);
    repos.push(a.repo, b.repo);
    const [ra, rb] = await Promise.all([
      runFactoryAsync(['review', '--manifest', a.manifest, '--merge', '--json'], { env: a.env }),
      runFactoryAsync(['review', '--manifest', b.manifest, '--merge', '--json'], { env: b.env }),
    ]);
    assert.equal(ra.status, 0, ra.stderr + ra.stdout);
    assert.equal(rb.status, 0, rb.stderr + rb.stdout);
    for (const pull of pulls) assert.equal(pull.mergeCount, 1, `#${pull.number}`);
    const puts = server.requests.filter((r) => r.method === 'PUT' && r.path.includes(project));
    assert.equal(puts.length, 6, 'no request was sent to the forge twice');

    // The pull-request tasks are the team's: either machine lists them, every one merged, the log whole.
    const listed = runFactory(['task', 'list', '--workflow', 'pull-request', '--json'], {
      cwd: b.repo.dir,
      env: b.env,
    });
    assert.equal(listed.status, 0, listed.stderr);
    const tasks = JSON.parse(listed.stdout) as Array<{ key: string; state: string }>;
    assert.deepEqual(
      tasks.map((t) => [t.key, t.state]).sort(),
      pulls.map((p) => [`github:${project}#${p.number}`, 'merged']).sort(),
    );

    // Each review shipped its record beside the shared tasks: the snapshot (keyed like the task) and every
    // decision of both machines, each from its own clone's state.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const snapshots = (await client.query('SELECT pull_key, review_state FROM pull_request_snapshots'))
        .rows;
      assert.deepEqual(
        snapshots.map((r) => [r.pull_key, r.review_state]).sort(),
        tasks.map((t) => [t.key, 'merged']).sort(),
      );
      const decisions = (
        await client.query(
          'SELECT count(DISTINCT source)::int AS sources, count(*)::int AS n FROM review_decisions',
        )
      ).rows[0];
      assert.equal(decisions.sources, 2, 'both machines shipped their decisions');
      assert.ok(decisions.n >= 6, String(decisions.n));
    } finally {
      await client.end();
    }
    const status = runFactory(['status'], { cwd: a.repo.dir, env: a.env });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /pull requests: 6 merged/);
  });

  it('a reviewer killed while merging leaves the shared task in merging; another machine takes it back once stale', async () => {
    const project = 'acme/shared-crash';
    const pull = server.github(project, { number: 1 });
    const a = machine(server, project, db.url);
    const b = machine(server, project, db.url);
    repos.push(a.repo, b.repo);
    const marker = join(a.repo.home, 'in-window');
    const child = spawn(process.execPath, [factoryBin, 'review', '--manifest', a.manifest, '--merge'], {
      env: { ...a.env, FACTORY_TEST_PAUSE_MERGING: marker },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 600 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(marker), 'the reviewer reached the merge window');
    child.kill('SIGKILL');
    await exited;
    const shared = () =>
      (
        JSON.parse(
          runFactory(['task', 'list', '--workflow', 'pull-request', '--json'], {
            cwd: b.repo.dir,
            env: b.env,
          }).stdout,
        ) as Array<{ key: string; state: string }>
      ).find((t) => t.key === `github:${project}#1`)?.state;
    assert.equal(shared(), 'merging');

    const fresh = await runFactoryAsync(['review', '--manifest', b.manifest, '--merge', '--json'], {
      env: b.env,
    });
    assert.match(fresh.stdout, /left alone: another reviewer is merging it/);
    assert.equal(pull.mergeCount, 0);
    const stale = await runFactoryAsync(['review', '--manifest', b.manifest, '--merge', '--json'], {
      env: { ...b.env, FACTORY_MERGING_STALE_SECONDS: '0' },
    });
    assert.equal(stale.status, 0, stale.stderr + stale.stdout);
    assert.equal(pull.mergeCount, 1);
    assert.equal(shared(), 'merged');
  });
});
