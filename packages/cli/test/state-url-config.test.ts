import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  type ForgeServer,
  makeTempRepo,
  runFactory,
  runFactoryAsync,
  startForgeServer,
  type TempRepo,
  type TestDatabase,
  testPostgres,
} from '@factory/testkit';
import pg from 'pg';
import { type Fleet, makeHealthyFleet } from './sweep/fleet.js';

/**
 * The config's `state.url` puts the state on PostgreSQL for every command, as FACTORY_STATE_URL does: the
 * commands that work across repositories (sweep, review, loop tick and run, status --all) take it from the
 * repository they run in. Here no process has FACTORY_STATE_URL; the URL is only in a config.
 */
const postgres = testPostgres();

async function count(url: string, sql: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(sql, params)).rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** The environment without FACTORY_STATE_URL, whatever the test runner was started with. */
function withoutStateUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FACTORY_STATE_URL: _, ...rest } = env;
  return rest;
}

describe("the config's state.url in the commands across repositories (PostgreSQL)", {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let db: TestDatabase;
  let fleet: Fleet;
  /** The repository the commands run in: no factory init, only a config naming the team's database. */
  let team: TempRepo;
  before(async () => {
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
    fleet = makeHealthyFleet(2);
    team = makeTempRepo({ files: { 'README.md': '# team\n' } });
    writeFileSync(team.path('factory.config.json'), `${JSON.stringify({ state: { url: db.url } })}\n`);
  });
  after(async () => {
    fleet.cleanup();
    team.cleanup();
    await db.drop();
  });
  const env = () => withoutStateUrl(fleet.env);
  const gateRunsOf = (repository: string) =>
    count(db.url, 'SELECT count(*)::int AS n FROM gate_runs WHERE repository = $1', [repository]).catch(
      () => 0, // no table yet: nothing was ever shipped
    );

  it('factory sweep ships the swept repositories and the sweep', async () => {
    fleet.git(fleet.repos[0]!, 'commit', '--allow-empty', '--quiet', '-m', 'one');
    const sweep = runFactory(['sweep', '--no-forges', '--manifest', fleet.manifest, '--json'], {
      cwd: team.dir,
      env: env(),
    });
    assert.ok(sweep.status === 0 || sweep.status === 1, sweep.stderr);
    assert.equal(sweep.stderr, '');
    assert.equal(await gateRunsOf(fleet.remotes[0]!), 1);
    assert.equal(await count(db.url, 'SELECT count(*)::int AS n FROM sweeps'), 1);
  });

  it('factory loop tick ships what it finds', async () => {
    fleet.git(fleet.repos[1]!, 'commit', '--allow-empty', '--quiet', '-m', 'two');
    const tick = runFactory(['loop', 'tick', '--manifest', fleet.manifest, '--json'], {
      cwd: team.dir,
      env: env(),
    });
    assert.equal(tick.status, 0, tick.stderr);
    assert.equal(tick.stderr, '');
    assert.equal(await gateRunsOf(fleet.remotes[1]!), 1);
  });

  it('factory loop run ships too (the config here, FACTORY_STATE_URL alike)', async () => {
    fleet.git(fleet.repos[0]!, 'commit', '--allow-empty', '--quiet', '-m', 'three');
    const run = runFactory(['loop', 'run', '--until-idle', '--manifest', fleet.manifest, '--json'], {
      cwd: team.dir,
      env: env(),
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(await gateRunsOf(fleet.remotes[0]!), 2);

    // The environment's URL, in a repository whose config names none: shipped the same way.
    fleet.git(fleet.repos[1]!, 'commit', '--allow-empty', '--quiet', '-m', 'four');
    const viaEnv = runFactory(['loop', 'run', '--until-idle', '--manifest', fleet.manifest, '--json'], {
      cwd: fleet.repos[1]!,
      env: { ...env(), FACTORY_STATE_URL: db.url },
    });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.equal(await gateRunsOf(fleet.remotes[1]!), 2);
  });

  it("factory status --all ships every repository and shows the team's figures", async () => {
    fleet.git(fleet.repos[0]!, 'commit', '--allow-empty', '--quiet', '-m', 'five');
    const status = runFactory(['status', '--all', '--manifest', fleet.manifest, '--json'], {
      cwd: team.dir,
      env: env(),
    });
    assert.equal(status.status, 0, status.stderr);
    const document = JSON.parse(status.stdout) as { team?: unknown };
    assert.ok(document.team, 'the team figures are shown');
    assert.equal(await gateRunsOf(fleet.remotes[0]!), 3);
  });

  it("factory state sync takes the config's URL; without any it is refused", () => {
    const bare = makeTempRepo({ files: { 'README.md': '# x\n' } });
    try {
      const none = runFactory(['state', 'sync'], { cwd: bare.dir, env: withoutStateUrl(bare.env) });
      assert.equal(none.status, 2, none.stderr);
      const synced = runFactory(['state', 'sync', '--json'], { cwd: team.dir, env: env() });
      assert.equal(synced.status, 0, synced.stderr);
    } finally {
      bare.cleanup();
    }
  });
});

describe("factory review with the config's state.url (PostgreSQL)", {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let server: ForgeServer;
  let db: TestDatabase;
  let repo: TempRepo;
  before(async () => {
    server = await startForgeServer();
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
    repo = makeTempRepo({ files: { 'README.md': '# app\n' } });
  });
  after(async () => {
    repo.cleanup();
    await server.close();
    await db.drop();
  });

  it('the pull-request tasks are the shared ones and the review record is shipped', async () => {
    const project = 'acme/config-url';
    const pull = server.github(project, { number: 1 });
    writeFileSync(repo.path('factory.config.json'), `${JSON.stringify({ state: { url: db.url } })}\n`);
    const manifest = join(repo.home, 'repos.yaml');
    writeFileSync(
      manifest,
      `version: 1\nrepositories:\n  - path: ${repo.dir}\n    forge: github\n    project: ${project}\n    review: {"authors": ["dependabot[bot]"]}\n`,
    );
    const env: NodeJS.ProcessEnv = {
      ...withoutStateUrl(repo.env),
      FACTORY_HOME: join(repo.home, 'factory-home'),
      GITHUB_TOKEN: 'ghp_config0url0review0test0token00000000',
      GITHUB_API_URL: server.githubApiUrl,
      FACTORY_FORGE_WRITE_SPACING_MS: '0',
    };
    const review = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
      cwd: repo.dir,
      env,
    });
    assert.equal(review.status, 0, review.stderr + review.stdout);
    assert.equal(pull.mergeCount, 1);
    assert.equal(review.stderr, '');
    // The task is on PostgreSQL: another clone, told by the environment, lists it.
    const other = makeTempRepo({ files: { 'README.md': '# other\n' } });
    try {
      const listed = runFactory(['task', 'list', '--workflow', 'pull-request', '--json'], {
        cwd: other.dir,
        env: { ...other.env, FACTORY_STATE_URL: db.url },
      });
      assert.equal(listed.status, 0, listed.stderr);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as Array<{ key: string; state: string }>).map((t) => [t.key, t.state]),
        [[`github:${project}#1`, 'merged']],
      );
    } finally {
      other.cleanup();
    }
    assert.equal(await count(db.url, 'SELECT count(*)::int AS n FROM pull_request_snapshots'), 1);
  });
});
