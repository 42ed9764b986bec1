import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * gates 5: the gates' inbox (state/gate-inbox.ts). A run the gate posted as a file is folded into gate_runs
 * with the file's id; the unique id makes the fold idempotent, so a fold that crashed between its commit
 * and the removal of its files records nothing twice when it runs again.
 */
export const gateInboxMigration: Migration = {
  name: 'gate-inbox',
  up(db) {
    db.exec(`
      ALTER TABLE gate_runs ADD COLUMN inbox_id TEXT;
      CREATE UNIQUE INDEX gate_runs_inbox_id ON gate_runs (inbox_id) WHERE inbox_id IS NOT NULL;
    `);
  },
};
