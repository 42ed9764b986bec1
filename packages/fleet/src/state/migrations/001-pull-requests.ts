import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * fleet 1 (slot 5 before): the pull/merge requests that factory review has seen, with their workflow state,
 * and every review decision with all its reasons. A merge attempt is recorded before the forge is called
 * (state `merging`), so a crash or a 5xx never leads to a second blind merge.
 */
export const pullRequestsMigration: Migration = {
  name: '005-pull-requests',
  up(db) {
    db.exec(`
      CREATE TABLE pull_requests (
        forge       TEXT    NOT NULL CHECK (forge IN ('github', 'gitlab')),
        repo        TEXT    NOT NULL,
        number      INTEGER NOT NULL,
        title       TEXT    NOT NULL,
        url         TEXT    NOT NULL,
        author      TEXT    NOT NULL,
        head_sha    TEXT    NOT NULL,
        state       TEXT    NOT NULL CHECK (state IN
                      ('open', 'waiting', 'needs-human', 'blocked', 'approved', 'merging', 'merged',
                       'merge-failed', 'closed')),
        merged_sha  TEXT,
        first_seen  TEXT    NOT NULL,
        updated_at  TEXT    NOT NULL,
        PRIMARY KEY (forge, repo, number)
      ) STRICT;
      CREATE TABLE review_decisions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        forge       TEXT    NOT NULL,
        repo        TEXT    NOT NULL,
        number      INTEGER NOT NULL,
        head_sha    TEXT    NOT NULL,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('merge', 'wait', 'human', 'blocked')),
        reasons     TEXT    NOT NULL,
        action      TEXT    NOT NULL CHECK (action IN
                      ('none', 'dry-run', 'merged', 'merge-failed', 'already-merged', 'head-moved')),
        detail      TEXT,
        decided_at  TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX review_decisions_by_pull ON review_decisions (forge, repo, number, id);
    `);
  },
};
