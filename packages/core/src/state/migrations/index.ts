import { memoryEvalsMigration } from './004-memory-evals.js';
import type { Migration } from './migration.js';

/**
 * The schema history of a repository's `.factory/state.db`, oldest first. Append only: never edit or
 * reorder a migration that has shipped. Each subsystem owns its own migration file.
 */
export const repositoryMigrations: readonly Migration[] = [
  // slot 4: memory + eval runs
  memoryEvalsMigration,
];
