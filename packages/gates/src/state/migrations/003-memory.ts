import type { Migration } from '@factory/core/state/migrations/migration';

/**
 * gates 3 (the memory half of slot 4 before): the project's memory, what the hooks add to the agent's
 * context. Same table as the single history created, so converted databases and new ones agree.
 */
export const memoryMigration: Migration = {
  name: 'memory',
  up(db) {
    db.exec(`
      CREATE TABLE memory_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        paths TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        uses INTEGER NOT NULL DEFAULT 0,
        last_used_at TEXT
      );
    `);
  },
};
