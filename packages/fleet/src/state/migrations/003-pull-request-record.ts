import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * fleet 3: a pull request is one record, its task in the `pull-request` workflow, with the snapshot that
 * review last read beside it here (keyed by the task) and its decisions in `review_decisions`. The table
 * that kept a second copy of the request's state is renamed `pull_requests_legacy`; PullRequests turns its
 * rows into snapshots of their tasks on first use (it needs the task store) and drops it.
 */
export const pullRequestRecordMigration: Migration = {
  name: 'pull-request-record',
  up(db) {
    db.exec(`
      CREATE TABLE pull_request_snapshots (
        task_id      INTEGER PRIMARY KEY,
        forge        TEXT    NOT NULL CHECK (forge IN ('github', 'gitlab')),
        repo         TEXT    NOT NULL,
        number       INTEGER NOT NULL,
        title        TEXT    NOT NULL,
        url          TEXT    NOT NULL,
        author       TEXT    NOT NULL,
        head_sha     TEXT    NOT NULL,
        review_state TEXT    CHECK (review_state IN
                       ('open', 'waiting', 'needs-human', 'blocked', 'approved', 'merging', 'merged',
                        'merge-failed', 'closed')),
        merged_sha   TEXT,
        first_seen   TEXT    NOT NULL,
        updated_at   TEXT    NOT NULL,
        UNIQUE (forge, repo, number)
      ) STRICT;
      ALTER TABLE pull_requests RENAME TO pull_requests_legacy;
    `);
  },
};
