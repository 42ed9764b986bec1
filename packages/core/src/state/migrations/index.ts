import { guardDecisionsMigration } from './003-guard-decisions.js';
import type { Migration } from './migration.js';

/**
 * The schema history of a repository's `.factory/state.db`, oldest first. Append only: never edit or
 * reorder a migration that has shipped. Each subsystem owns its own migration file.
 * Fixed slots (position = version): 1 tasks/workflows, 2 gate runs, 3 guard decisions, 4 memory + eval
 * runs, 5 pull requests / review decisions.
 */
export const repositoryMigrations: readonly Migration[] = [
  // 1 tasks/workflows (state helper)
  // 2 gate runs (gates helper)
  guardDecisionsMigration, // 3 guard decisions
];
