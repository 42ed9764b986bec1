import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  jsonOf,
  makeTempRepo,
  queryRows,
  runFactory,
  type TestDatabase,
  testPostgres,
} from '@factory/testkit';
import { type Fleet, makeHealthyFleet } from './sweep/fleet.js';

const postgres = testPostgres();

describe('factory state sync, status and sweep with FACTORY_STATE_URL (PostgreSQL)', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let db: TestDatabase;
  let fleet: Fleet;
  before(async () => {
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
    fleet = makeHealthyFleet(2);
  });
  after(async () => {
    fleet.cleanup();
    await db.drop();
  });
  const env = () => ({ ...fleet.env, FACTORY_STATE_URL: db.url });

  it("a sweep ships every repository's gate runs and the sweep itself; status shows the team's figures", async () => {
    // A real commit through the installed gates: the pre-commit gate records its run in SQLite only.
    fleet.git(fleet.repos[0]!, 'commit', '--allow-empty', '--quiet', '-m', 'one');
    const before = await queryRows<{ n: string }>(
      db.url,
      "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'gate_runs'",
    );
    assert.equal(Number(before[0]!.n), 0, 'the commit did not touch PostgreSQL');

    const sweep = runFactory(['sweep', '--no-forges', '--manifest', fleet.manifest, '--json'], {
      cwd: fleet.root,
      env: env(),
    });
    assert.ok(sweep.status === 0 || sweep.status === 1, sweep.stderr);
    assert.equal(sweep.stderr.includes('not synced'), false, sweep.stderr);
    const runs = await queryRows<{ repository: string; gate: string }>(
      db.url,
      'SELECT repository, gate FROM gate_runs',
    );
    assert.ok(
      runs.some((r) => r.repository === fleet.remotes[0] && r.gate === 'pre-commit'),
      JSON.stringify(runs),
    );
    const sweeps = await queryRows<{ repositories: number; finished_at: string | null }>(
      db.url,
      'SELECT repositories, finished_at FROM sweeps',
    );
    assert.equal(sweeps.length, 1);
    assert.equal(sweeps[0]!.repositories, 2);
    assert.notEqual(sweeps[0]!.finished_at, null);

    // Another commit, then status in the other clone: it sees the team's figures, this one's included once synced.
    fleet.git(fleet.repos[1]!, 'commit', '--allow-empty', '--quiet', '-m', 'two');
    const status = runFactory(['status'], { cwd: fleet.repos[1]!, env: env() });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /the team's gate runs and guard refusals/);
    assert.match(status.stdout, new RegExp(`${fleet.remotes[0]}: 1 gate run\\(s\\), 0 not passed`));
    assert.match(status.stdout, new RegExp(`${fleet.remotes[1]}: 1 gate run\\(s\\)`));
    assert.match(status.stdout, /sweep .* 2 repositories, 0 unhealthy/);
    const document = jsonOf<{
      team: { gates: { repositories: Array<{ repository: string; gateRuns: number }> } };
    }>(runFactory(['status', '--json'], { cwd: fleet.repos[1]!, env: env() }));
    assert.deepEqual(
      document.team.gates.repositories.map((r) => [r.repository, r.gateRuns]),
      [
        [fleet.remotes[0], 1],
        [fleet.remotes[1], 1],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it('a loop tick ships what it finds too', async () => {
    fleet.git(fleet.repos[0]!, 'commit', '--allow-empty', '--quiet', '-m', 'three');
    const tick = runFactory(['loop', 'tick', '--manifest', fleet.manifest, '--json'], {
      cwd: fleet.repos[0]!,
      env: env(),
    });
    assert.equal(tick.status, 0, tick.stderr);
    assert.equal(tick.stderr, '');
    const runs = await queryRows<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM gate_runs WHERE repository = '${fleet.remotes[0]}'`,
    );
    assert.equal(runs[0]!.n, 2);
  });

  it('status --all ships every repository of the manifest and adds the team figures', () => {
    const all = jsonOf<{
      repositories: unknown[];
      team: { gates: { repositories: Array<{ repository: string }> } };
    }>(
      runFactory(['status', '--all', '--manifest', fleet.manifest, '--json'], {
        cwd: fleet.root,
        env: env(),
      }),
    );
    assert.equal(all.repositories.length, 2);
    assert.deepEqual(all.team.gates.repositories.map((r) => r.repository).sort(), [...fleet.remotes].sort());
    const human = runFactory(['status', '--all', '--manifest', fleet.manifest], {
      cwd: fleet.root,
      env: env(),
    });
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /the team's gate runs and guard refusals/);
  });

  it('factory state sync is idempotent and says what it shipped', () => {
    const report = jsonOf<{ repositories: Array<{ gateRuns: number }>; sweeps: number }>(
      runFactory(['state', 'sync', '--all', '--manifest', fleet.manifest, '--json'], {
        cwd: fleet.repos[0]!,
        env: env(),
      }),
    );
    assert.deepEqual(
      report.repositories.map((r) => r.gateRuns),
      [0, 0],
    );
    assert.equal(report.sweeps, 0);
  });

  it('bad input: no URL, an unreachable server, bad credentials, a newer schema: one sentence, exit 2', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    try {
      const none = runFactory(['state', 'sync'], { cwd: repo.dir, env: repo.env });
      assert.equal(none.status, 2);
      assert.match(
        none.stderr,
        /^factory: factory state sync copies state to the team's PostgreSQL database, and none is set; set FACTORY_STATE_URL/,
      );
      const cases: Array<[string, RegExp]> = [
        ['postgres://factory@127.0.0.1:1/postgres', /connection refused/],
        [db.url.replace(/:[^:@/]*@/, ':wrong-password@'), /credentials|password/i],
      ];
      for (const [url, why] of cases) {
        const result = runFactory(['state', 'sync'], {
          cwd: repo.dir,
          env: { ...repo.env, FACTORY_STATE_URL: url },
        });
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, why);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.doesNotMatch(result.stderr, /wrong-password|\n\s+at /);
      }
      // A shared database written by a newer factory: refused, unchanged, one sentence.
      const newer = await createTestDatabase('url' in postgres ? postgres.url : '');
      try {
        assert.equal(
          runFactory(['state', 'sync'], { cwd: repo.dir, env: { ...repo.env, FACTORY_STATE_URL: newer.url } })
            .status,
          0,
        );
        await queryRows(newer.url, "UPDATE schema_versions SET version = 9 WHERE owner = 'fleet'");
        const refused = runFactory(['state', 'sync'], {
          cwd: repo.dir,
          env: { ...repo.env, FACTORY_STATE_URL: newer.url },
        });
        assert.equal(refused.status, 2, refused.stderr);
        assert.match(
          refused.stderr,
          /^factory: the workflow state in .* was written by a newer factory \(fleet schema version 9, this one knows 1\); upgrade factory, nothing was changed\.\n$/,
        );
      } finally {
        await newer.drop();
      }
      // A sweep's own work does not depend on the server: it warns once and keeps its results in SQLite.
      const sweep = runFactory(['sweep', '--no-forges', '--manifest', fleet.manifest], {
        cwd: fleet.root,
        env: { ...fleet.env, FACTORY_STATE_URL: 'postgres://factory@127.0.0.1:1/postgres' },
      });
      assert.ok(sweep.status === 0 || sweep.status === 1, sweep.stderr);
      assert.match(
        sweep.stderr,
        /the team's state was not synced \(.*connection refused.*\); it stays in \.factory\/state\.db/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
