import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * gates 2 (slot 3 before): the guard's audit: one row per recorded decision (every deny and ask; every decision with
 * guard.audit = all), and the one-off allowances a human granted, each with its reason.
 */
export const guardDecisionsMigration: Migration = {
  name: 'guard-decisions',
  up(db) {
    db.exec(`
      CREATE TABLE guard_decisions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            TEXT    NOT NULL,
        session_id    TEXT,
        tool          TEXT    NOT NULL,
        input_summary TEXT    NOT NULL,
        decision      TEXT    NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
        rule          TEXT,
        reason        TEXT,
        cwd           TEXT,
        allowance_id  INTEGER REFERENCES guard_allowances(id),
        note          TEXT
      );
      CREATE INDEX guard_decisions_at ON guard_decisions (at DESC, id DESC);
      CREATE TABLE guard_allowances (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        rule        TEXT    NOT NULL,
        tool        TEXT,
        pattern     TEXT,
        reason      TEXT    NOT NULL CHECK (length(reason) > 0),
        granted_by  TEXT    NOT NULL,
        granted_at  TEXT    NOT NULL,
        expires_at  TEXT    NOT NULL,
        uses_left   INTEGER NOT NULL CHECK (uses_left >= 0)
      );
    `);
  },
};
