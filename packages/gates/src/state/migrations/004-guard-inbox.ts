import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * gates 4: the guard's inbox (state/guard-inbox.ts). A refusal the hook posted as a file is folded into
 * guard_decisions with the file's id; the unique id makes the fold idempotent, so a fold that crashed
 * between its commit and the removal of its files records nothing twice when it runs again.
 */
export const guardInboxMigration: Migration = {
  name: 'guard-inbox',
  up(db) {
    db.exec(`
      ALTER TABLE guard_decisions ADD COLUMN inbox_id TEXT;
      CREATE UNIQUE INDEX guard_decisions_inbox_id ON guard_decisions (inbox_id) WHERE inbox_id IS NOT NULL;
    `);
  },
};
