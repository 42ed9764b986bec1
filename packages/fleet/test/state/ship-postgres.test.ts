import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { recordGuardDecision } from '@factory/gates/state/guard-decisions';
import { teamGateFigures } from '@factory/gates/state/ship';
import {
  createTestDatabase,
  makeTempDir,
  makeTempRepo,
  queryRows,
  type TestDatabase,
  testPostgres,
} from '@factory/testkit';
import pg from 'pg';
import { evaluatePolicy, resolveReviewPolicy } from '../../src/review/policy.js';
import type { PullSnapshot } from '../../src/review/types.js';
import { PullRequests } from '../../src/state/pull-requests.js';
import { teamFleetFigures } from '../../src/state/ship.js';
import { openTeamDatabase, syncHome, syncRepository } from '../../src/state/sync.js';
import { SweepHistory } from '../../src/sweep/home-store.js';
import { greenPull } from '../review/green-pull.js';

const postgres = testPostgres();
const head = 'c'.repeat(40);
const pull: PullSnapshot = greenPull({
  checks: [{ name: 'factory-gates', state: 'success', sha: head, source: 'check-run' }],
});

async function count(url: string, table: string): Promise<number> {
  return Number((await queryRows<{ n: string }>(url, `SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
}

describe('shipping gate runs, guard decisions, review records and sweeps to PostgreSQL', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
  });
  after(async () => {
    await db.drop();
  });

  it("copies each clone's rows once, keyed by (source, local id), however often it runs", async () => {
    const laptop = makeTempRepo({ files: { 'README.md': '# app\n' } });
    const server = makeTempRepo({ files: { 'README.md': '# app\n' } });
    laptop.git('remote', 'add', 'origin', 'https://user:secret@forge.example/acme/app.git');
    const now = new Date().toISOString();
    for (const [repo, failed] of [
      [laptop, 2],
      [server, 1],
    ] as const) {
      const state = openRepositoryState(repo.dir);
      try {
        for (let i = 0; i < 3; i++) {
          recordGateRun(state.store, {
            gate: 'pre-commit',
            status: i < failed ? 'failed' : 'passed',
            durationMs: 12,
            startedAt: now,
          });
        }
        recordGuardDecision(state.store, {
          tool: 'Bash',
          inputSummary: 'git push --force',
          decision: 'deny',
          rule: 'git/force-push',
          reason: 'no force pushes',
        });
        if (repo === laptop) {
          const pulls = new PullRequests(state.store);
          pulls.recordDecision(
            pull,
            evaluatePolicy(pull, resolveReviewPolicy({ authors: ['*'] })),
            'dry-run',
          );
        }
      } finally {
        state.close();
      }
    }
    const team = await openTeamDatabase(db.url);
    try {
      const first = await syncRepository(team, laptop.dir);
      assert.equal(first.repository, 'https://forge.example/acme/app.git', 'the origin, without credentials');
      assert.deepEqual(
        [first.gateRuns, first.guardDecisions, first.snapshots, first.reviewDecisions],
        [3, 1, 1, 1],
      );
      const again = await syncRepository(team, laptop.dir);
      assert.deepEqual([again.gateRuns, again.guardDecisions, again.reviewDecisions], [0, 0, 0]);
      const other = await syncRepository(team, server.dir);
      assert.deepEqual([other.gateRuns, other.guardDecisions], [3, 1]);
      // A new row after a sync goes on the next one, alone.
      const state = openRepositoryState(server.dir);
      recordGateRun(state.store, { gate: 'pre-push', status: 'passed', durationMs: 5, startedAt: now });
      state.close();
      assert.equal((await syncRepository(team, server.dir)).gateRuns, 1);
      assert.equal(await count(db.url, 'gate_runs'), 7);
      assert.equal(await count(db.url, 'guard_decisions'), 2);

      const figures = await teamGateFigures(team, new Date(Date.now() - 3600_000).toISOString());
      const byRepo = new Map(figures.repositories.map((r) => [r.repository, r]));
      assert.equal(byRepo.get('https://forge.example/acme/app.git')!.gateRunsNotPassed, 2);
      assert.equal(byRepo.get(server.dir)!.gateRuns, 4);
      assert.equal(byRepo.get(server.dir)!.guardRefusals, 1);
      assert.equal(figures.recentRefusals.length, 2);
      const fleet = await teamFleetFigures(team, new Date(Date.now() - 3600_000).toISOString());
      assert.deepEqual(fleet.pullRequests, [{ reviewState: 'approved', count: 1 }]);
      assert.equal(fleet.reviewDecisionsSince, 1);
    } finally {
      await team.close();
      laptop.cleanup();
      server.cleanup();
    }
  });

  it("a request merged by one reviewer stays merged, whatever the loser's later snapshot and the order of syncs", async () => {
    const policy = resolveReviewPolicy({ authors: ['*'] });
    const key = { forge: 'github', repo: 'acme/app', number: 9 };
    const nine = { ...pull, number: 9 };
    for (const loserFirst of [true, false]) {
      const other = await createTestDatabase('url' in postgres ? postgres.url : '');
      const winner = makeTempRepo({ files: { 'README.md': '# w\n' } });
      const loser = makeTempRepo({ files: { 'README.md': '# l\n' } });
      const team = await openTeamDatabase(other.url);
      try {
        let t = Date.parse('2026-01-01T00:00:00Z');
        const clock = () => {
          t += 1000;
          return new Date(t);
        };
        const w = openRepositoryState(winner.dir);
        const wp = new PullRequests(w.store, clock);
        wp.recordDecision(nine, evaluatePolicy(nine, policy), 'none');
        assert.equal(wp.move(key, ['approved'], 'merging'), true);
        assert.equal(wp.move(key, ['merging'], 'merged', { mergedSha: 'd'.repeat(40) }), true);
        w.close();
        // The loser read the request after the merge and still says approved (its own claim lost).
        const l = openRepositoryState(loser.dir);
        new PullRequests(l.store, clock).recordDecision(nine, evaluatePolicy(nine, policy), 'none');
        l.close();
        for (const dir of loserFirst ? [loser.dir, winner.dir] : [winner.dir, loser.dir]) {
          await syncRepository(team, dir);
        }
        const [row] = (
          await team.query<{ review_state: string; merged_sha: string }>(
            'SELECT review_state, merged_sha FROM pull_request_snapshots',
          )
        ).rows;
        assert.deepEqual(
          [row!.review_state, row!.merged_sha],
          ['merged', 'd'.repeat(40)],
          `loser first: ${loserFirst}`,
        );
      } finally {
        await team.close();
        winner.cleanup();
        loser.cleanup();
        await other.drop();
      }
    }
  });

  it('ships the sweep history, and a sweep that was running is completed on the next sync', async () => {
    const home = makeTempDir();
    const history = SweepHistory.open(home.dir);
    const team = await openTeamDatabase(db.url);
    try {
      const id = history.start('/m/repos.yaml', { planned: ['a', 'b'] });
      history.record(id, {
        repo: 'a',
        name: 'a',
        status: 'healthy',
        problems: [],
        result: {},
        durationMs: 3,
        finishedAt: new Date().toISOString(),
      });
      assert.deepEqual(await syncHome(team, home.dir), { sweeps: 1, sweepResults: 1 });
      history.record(id, {
        repo: 'b',
        name: 'b',
        status: 'unhealthy',
        problems: ['drift'],
        result: {},
        durationMs: 4,
        finishedAt: new Date().toISOString(),
      });
      history.finish(id);
      await syncHome(team, home.dir);
      await syncHome(team, home.dir);
      assert.equal(await count(db.url, 'sweep_results'), 2);
      const fleet = await teamFleetFigures(team, new Date(0).toISOString());
      assert.equal(fleet.lastSweeps.length, 1);
      assert.equal(fleet.lastSweeps[0]!.repositories, 2);
      assert.equal(fleet.lastSweeps[0]!.unhealthy, 1);
      assert.notEqual(fleet.lastSweeps[0]!.finishedAt, null);
    } finally {
      history.close();
      await team.close();
      home.cleanup();
    }
  });

  it('refuses, untouched, a shared database whose gates schema is newer than this factory knows', async () => {
    const other = await createTestDatabase('url' in postgres ? postgres.url : '');
    try {
      await (await openTeamDatabase(other.url)).close();
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      await client.query(`UPDATE schema_versions SET version = 9 WHERE owner = 'gates'`);
      await client.end();
      await assert.rejects(openTeamDatabase(other.url), (error: Error & { exitCode?: number }) => {
        assert.match(error.message, /newer factory \(gates schema version 9, this one knows 1\)/);
        assert.equal(error.exitCode, 2);
        return true;
      });
    } finally {
      await other.drop();
    }
  });
});
