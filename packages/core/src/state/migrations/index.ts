import { tasksMigration } from './001-tasks.js';
import { gateRunsMigration } from './002-gate-runs.js';
import { memoryEvalsMigration } from './004-memory-evals.js';
import { pullRequestsMigration } from './005-pull-requests.js';
import type { Migration } from './migration.js';

/**
 * The schema history of a repository's `.factory/state.db`, oldest first. Append only: never edit or
 * reorder a migration that has shipped. Each subsystem owns its own migration file.
 */
export const repositoryMigrations: readonly Migration[] = [
  tasksMigration, // 1: tasks, task log, task resources (state)
  gateRunsMigration, // 2: gate runs (gates)
  memoryEvalsMigration, // memory entries and eval runs (evals)
  pullRequestsMigration, // pull requests and review decisions (sweep)
];
