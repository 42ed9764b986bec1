import type { Migration } from './migration.js';

/**
 * Slot 1: workflow tasks, their append-only log and the resources they own.
 *
 * - `tasks.version` counts the task's log rows: every change that writes a log row bumps it, so a
 *   compare-and-set on (id, version) sees any concurrent change, and `version = count(log rows)` proves
 *   that no half transition was ever committed.
 * - `tasks.phase` repeats the workflow's phase of `state` (active, handoff, terminal) so that questions such
 *   as "does this owner hold unfinished work?" are one indexed query, without loading any workflow.
 * - Times are milliseconds since the epoch.
 */
export const tasksMigration: Migration = {
  name: 'tasks',
  up(db) {
    db.exec(`
      CREATE TABLE tasks (
        id               INTEGER PRIMARY KEY,
        workflow         TEXT    NOT NULL,
        state            TEXT    NOT NULL,
        phase            TEXT    NOT NULL CHECK (phase IN ('active', 'handoff', 'terminal')),
        version          INTEGER NOT NULL CHECK (version >= 1),
        title            TEXT    NOT NULL,
        idempotency_key  TEXT    UNIQUE,
        priority         INTEGER NOT NULL DEFAULT 0,
        data             TEXT    NOT NULL DEFAULT '{}',
        owner            TEXT,
        lease_expires_at INTEGER,
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        CHECK ((owner IS NULL) = (lease_expires_at IS NULL))
      ) STRICT;
      CREATE INDEX tasks_claimable ON tasks (phase, priority DESC, id) WHERE owner IS NULL;
      CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE owner IS NOT NULL;
      CREATE INDEX tasks_owner ON tasks (owner) WHERE owner IS NOT NULL;

      CREATE TABLE task_log (
        id         INTEGER PRIMARY KEY,
        task_id    INTEGER NOT NULL REFERENCES tasks (id),
        version    INTEGER NOT NULL,
        kind       TEXT    NOT NULL CHECK (kind IN ('create', 'move', 'claim', 'release', 'expire')),
        event      TEXT    NOT NULL,
        from_state TEXT,
        to_state   TEXT    NOT NULL,
        actor      TEXT    NOT NULL,
        owner      TEXT,
        at         INTEGER NOT NULL,
        reason     TEXT,
        UNIQUE (task_id, version)
      ) STRICT;

      CREATE TABLE task_resources (
        id          INTEGER PRIMARY KEY,
        task_id     INTEGER NOT NULL REFERENCES tasks (id),
        kind        TEXT    NOT NULL CHECK (kind IN ('worktree', 'branch', 'pid', 'port')),
        value       TEXT    NOT NULL,
        owner       TEXT,
        created_at  INTEGER NOT NULL,
        released_at INTEGER,
        outcome     TEXT
      ) STRICT;
      CREATE UNIQUE INDEX task_resources_live ON task_resources (kind, value) WHERE released_at IS NULL;
      CREATE INDEX task_resources_task ON task_resources (task_id);
    `);
  },
};
