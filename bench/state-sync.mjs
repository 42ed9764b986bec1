#!/usr/bin/env node
// bench/state-sync: what `factory state sync` costs, after `npm run build`. A repository's state.db holds
// ROWS gate runs and ROWS guard decisions (what the hooks write to SQLite); we time shipping them all to a
// fresh PostgreSQL database, then a sync with nothing new (what `factory status`, `sweep`, `review` and
// `loop tick` pay when they sync), then a sync of 10 new rows of each. Median of BENCH_RUNS runs. The
// server is FACTORY_TEST_POSTGRES_URL or scripts/test-postgres.sh's.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepositoryState } from '@factory/core/state/repository';
import { openTeamDatabase, syncRepository } from '@factory/fleet/state/sync';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { recordGuardDecision } from '@factory/gates/state/guard-decisions';
import pg from 'pg';
import { median, projectRoot } from './lib.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 5000);
const runs = Number(process.env.BENCH_RUNS ?? 3);

const server =
  process.env.FACTORY_TEST_POSTGRES_URL ??
  execFileSync('bash', [join(projectRoot, 'scripts', 'test-postgres.sh')], { encoding: 'utf8' }).trim();

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function record(root, count) {
  const state = openRepositoryState(root);
  try {
    const at = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      recordGateRun(state.store, {
        gate: 'pre-commit',
        status: i % 7 ? 'passed' : 'failed',
        durationMs: 40,
        startedAt: at,
      });
      recordGuardDecision(state.store, {
        tool: 'Bash',
        inputSummary: `rm -rf /tmp/x${i}`,
        decision: 'deny',
        rule: 'fs/rm',
      });
    }
  } finally {
    state.close();
  }
}

const results = { all: [], nothing: [], ten: [] };
for (let run = 0; run < runs; run++) {
  const name = `factory_bench_sync_${process.pid}_${run}`;
  await admin(`CREATE DATABASE ${name}`);
  const root = mkdtempSync(join(tmpdir(), 'factory-bench-sync-'));
  mkdirSync(join(root, '.git'));
  try {
    record(root, ROWS);
    const db = await openTeamDatabase(withDatabase(server, name));
    try {
      const time = async (key, expected) => {
        const start = performance.now();
        const report = await syncRepository(db, root);
        results[key].push(performance.now() - start);
        if (report.gateRuns !== expected || report.guardDecisions !== expected)
          throw new Error(`expected ${expected} rows of each, shipped ${JSON.stringify(report)}`);
      };
      await time('all', ROWS);
      await time('nothing', 0);
      record(root, 10);
      await time('ten', 10);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    await admin(`DROP DATABASE ${name}`);
  }
}
const ms = (values) => `${median(values).toFixed(1)} ms`;
console.log(`state sync, median of ${runs} runs (PostgreSQL ${server.replace(/:[^:@/]*@/, '@')})`);
console.log(
  `  ${ROWS} gate runs + ${ROWS} guard decisions, first sync: ${ms(results.all)} (${Math.round((2 * ROWS) / (median(results.all) / 1000))} rows/s)`,
);
console.log(`  nothing new (what status, sweep, review, loop tick add): ${ms(results.nothing)}`);
console.log(`  10 + 10 new rows: ${ms(results.ten)}`);
