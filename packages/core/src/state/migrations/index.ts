import { pullRequestsMigration } from './005-pull-requests.js';
import type { Migration } from './migration.js';

/**
 * The schema history of a repository's `.factory/state.db`, oldest first. Append only: never edit or
 * reorder a migration that has shipped. Each subsystem owns its own migration file.
 * Fixed slots: 1 tasks/workflows, 2 gate runs, 3 guard decisions, 4 memory + eval runs, 5 pull requests.
 */
export const repositoryMigrations: readonly Migration[] = [pullRequestsMigration];
