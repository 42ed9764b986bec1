import type { Migration } from '@factory/core/state/migrations/migration';

/** gates 1 (slot 2 of the single history before): one row per run of a git gate (pre-commit, pre-push, commit-msg). Owned by the gates. */
export const gateRunsMigration: Migration = {
  name: '002-gate-runs',
  up(db) {
    db.exec(`
      CREATE TABLE gate_runs (
        id          INTEGER PRIMARY KEY,
        gate        TEXT    NOT NULL,
        status      TEXT    NOT NULL CHECK (status IN ('passed', 'failed', 'error', 'interrupted')),
        duration_ms INTEGER NOT NULL,
        started_at  TEXT    NOT NULL,
        sha         TEXT,
        skipped     TEXT    NOT NULL DEFAULT '[]',
        skip_reason TEXT,
        checks      TEXT    NOT NULL DEFAULT '[]'
      );
      CREATE INDEX gate_runs_started ON gate_runs (started_at DESC, id DESC);
    `);
  },
};
