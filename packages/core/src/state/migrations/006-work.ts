import type { Migration } from './migration.js';

/**
 * Slot 6 (the loop): what `factory work` did for a task of the `work` workflow. One row per agent session
 * (its limits, outcome and the summary of its stream), and one row per request the task opened on a
 * forge: one per task and repository, so that a crash between the push and the record finds the request
 * again by its branch instead of opening a second one.
 */
export const workMigration: Migration = {
  name: '006-work',
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
      CREATE TABLE work_requests (
        task_id      INTEGER NOT NULL REFERENCES tasks (id),
        repo_path    TEXT    NOT NULL,
        forge        TEXT    NOT NULL CHECK (forge IN ('github', 'gitlab')),
        project      TEXT    NOT NULL,
        branch       TEXT    NOT NULL,
        number       INTEGER,
        url          TEXT,
        head_sha     TEXT,
        state        TEXT    NOT NULL CHECK (state IN ('pushing', 'open', 'merged', 'closed')),
        reworked_sha TEXT,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (task_id, repo_path)
      ) STRICT;
      CREATE INDEX work_requests_by_pull ON work_requests (forge, project, number);
    `);
  },
};
