import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * agent 1 (the eval half of slot 4 before): the eval runs (`factory eval run` records every run so that
 * `factory eval compare` can find regressions).
 */
export const evalRunsMigration: Migration = {
  name: 'eval-runs',
  up(db) {
    db.exec(`
      CREATE TABLE eval_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        lane TEXT NOT NULL,
        scenario_count INTEGER NOT NULL,
        passed_count INTEGER NOT NULL,
        failed_count INTEGER NOT NULL,
        skipped_count INTEGER NOT NULL,
        claude_version TEXT
      );
      CREATE TABLE eval_results (
        run_id INTEGER NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
        scenario TEXT NOT NULL,
        file TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'skipped')),
        attempts INTEGER NOT NULL,
        passes INTEGER NOT NULL,
        pass_rate REAL NOT NULL,
        threshold REAL NOT NULL,
        pass_at_k REAL NOT NULL,
        k INTEGER NOT NULL,
        failures TEXT NOT NULL DEFAULT '[]',
        duration_ms INTEGER NOT NULL,
        cost_usd REAL,
        PRIMARY KEY (run_id, scenario)
      );
      CREATE INDEX eval_results_by_scenario ON eval_results (scenario, run_id);
    `);
  },
};
