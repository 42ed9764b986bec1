import type { StateStore } from '@factory/core/state/store';
import { agentSchema } from './migrations/index.js';

export type EvalStatus = 'passed' | 'failed' | 'skipped';

/** One scenario's outcome within an eval run: N attempts, how many passed, and why the others failed. */
export interface EvalResultRecord {
  readonly scenario: string;
  readonly file: string;
  readonly status: EvalStatus;
  readonly attempts: number;
  readonly passes: number;
  readonly passRate: number;
  readonly threshold: number;
  readonly passAtK: number;
  readonly k: number;
  readonly failures: readonly string[];
  readonly durationMs: number;
  readonly costUsd: number | null;
}

export interface EvalRunRecord {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly lane: string;
  readonly scenarioCount: number;
  readonly passedCount: number;
  readonly failedCount: number;
  readonly skippedCount: number;
  readonly claudeVersion: string | null;
  readonly results: readonly EvalResultRecord[];
}

export interface NewEvalRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly lane: string;
  readonly claudeVersion?: string | null;
  readonly results: readonly EvalResultRecord[];
}

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string;
  lane: string;
  scenario_count: number;
  passed_count: number;
  failed_count: number;
  skipped_count: number;
  claude_version: string | null;
}

interface ResultRow {
  run_id: number;
  scenario: string;
  file: string;
  status: EvalStatus;
  attempts: number;
  passes: number;
  pass_rate: number;
  threshold: number;
  pass_at_k: number;
  k: number;
  failures: string;
  duration_ms: number;
  cost_usd: number | null;
}

function toResult(row: ResultRow): EvalResultRecord {
  return {
    scenario: row.scenario,
    file: row.file,
    status: row.status,
    attempts: row.attempts,
    passes: row.passes,
    passRate: row.pass_rate,
    threshold: row.threshold,
    passAtK: row.pass_at_k,
    k: row.k,
    failures: JSON.parse(row.failures) as string[],
    durationMs: row.duration_ms,
    costUsd: row.cost_usd,
  };
}

/** Records a finished eval run and its results in one transaction. */
export function recordEvalRun(store: StateStore, run: NewEvalRun): EvalRunRecord {
  store.ensure(agentSchema);
  const count = (status: EvalStatus) => run.results.filter((r) => r.status === status).length;
  return store.write((db) => {
    const row = db
      .prepare(
        `INSERT INTO eval_runs (started_at, finished_at, lane, scenario_count, passed_count, failed_count,
           skipped_count, claude_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      )
      .get(
        run.startedAt,
        run.finishedAt,
        run.lane,
        run.results.length,
        count('passed'),
        count('failed'),
        count('skipped'),
        run.claudeVersion ?? null,
      ) as unknown as RunRow;
    const insert = db.prepare(
      `INSERT INTO eval_results (run_id, scenario, file, status, attempts, passes, pass_rate, threshold,
         pass_at_k, k, failures, duration_ms, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of run.results) {
      insert.run(
        row.id,
        r.scenario,
        r.file,
        r.status,
        r.attempts,
        r.passes,
        r.passRate,
        r.threshold,
        r.passAtK,
        r.k,
        JSON.stringify(r.failures),
        Math.round(r.durationMs),
        r.costUsd,
      );
    }
    return toRun(row, run.results);
  });
}

function toRun(row: RunRow, results: readonly EvalResultRecord[]): EvalRunRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    lane: row.lane,
    scenarioCount: row.scenario_count,
    passedCount: row.passed_count,
    failedCount: row.failed_count,
    skippedCount: row.skipped_count,
    claudeVersion: row.claude_version,
    results,
  };
}

/** The most recent runs, newest first, with their results. */
export function listEvalRuns(store: StateStore, limit = 20): EvalRunRecord[] {
  store.ensure(agentSchema);
  return store.read((db) => {
    const runs = db
      .prepare('SELECT * FROM eval_runs ORDER BY id DESC LIMIT ?')
      .all(limit) as unknown as RunRow[];
    const results = db.prepare('SELECT * FROM eval_results WHERE run_id = ? ORDER BY scenario');
    return runs.map((run) => toRun(run, (results.all(run.id) as unknown as ResultRow[]).map(toResult)));
  });
}

/**
 * The latest result of each scenario together with the result it had in the run before that (if any):
 * what `factory eval compare` needs. Scenarios whose latest result is skipped compare their last real one.
 */
export function latestEvalPairs(store: StateStore): Array<{
  scenario: string;
  current: EvalResultRecord & { runId: number };
  previous?: EvalResultRecord & { runId: number };
}> {
  store.ensure(agentSchema);
  return store.read((db) => {
    const rows = db
      .prepare(`SELECT * FROM eval_results WHERE status != 'skipped' ORDER BY scenario, run_id DESC`)
      .all() as unknown as ResultRow[];
    const pairs = new Map<
      string,
      {
        scenario: string;
        current: EvalResultRecord & { runId: number };
        previous?: EvalResultRecord & { runId: number };
      }
    >();
    for (const row of rows) {
      const result = { ...toResult(row), runId: row.run_id };
      const pair = pairs.get(row.scenario);
      if (!pair) pairs.set(row.scenario, { scenario: row.scenario, current: result });
      else if (!pair.previous) pair.previous = result;
    }
    return [...pairs.values()];
  });
}
