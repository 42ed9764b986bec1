import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * agent 2 (the session half of slot 6 of the single history): what `factory work` did for a task of the
 * `work` workflow, one row per agent session (its limits, outcome and the summary of its stream).
 */
export const workSessionsMigration: Migration = {
  name: 'work-sessions',
  up(db) {
    db.exec(`
      CREATE TABLE work_sessions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id       INTEGER NOT NULL REFERENCES tasks (id),
        attempt       INTEGER NOT NULL,
        owner         TEXT    NOT NULL,
        started_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        outcome       TEXT    CHECK (outcome IN ('submitted', 'failed', 'blocked', 'crashed')),
        reason        TEXT,
        stream_path   TEXT    NOT NULL,
        pid           INTEGER,
        turns         INTEGER NOT NULL DEFAULT 0,
        cost_usd      REAL    NOT NULL DEFAULT 0,
        tool_calls    INTEGER NOT NULL DEFAULT 0,
        refusals      INTEGER NOT NULL DEFAULT 0,
        gate_runs     INTEGER NOT NULL DEFAULT 0,
        gate_failures INTEGER NOT NULL DEFAULT 0,
        claude_version TEXT
      ) STRICT;
      CREATE INDEX work_sessions_task ON work_sessions (task_id, id);
    `);
  },
};
