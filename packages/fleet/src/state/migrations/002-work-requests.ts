import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * fleet 2 (the request half of slot 6 of the single history): one row per request a task of the `work`
 * workflow opened on a forge, one per task and repository, so that a crash between the push and the record
 * finds the request again by its branch instead of opening a second one.
 */
export const workRequestsMigration: Migration = {
  name: 'work-requests',
  up(db) {
    db.exec(`
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
