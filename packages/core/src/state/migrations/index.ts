import { tasksMigration } from './001-tasks.js';
import { gateRunsMigration } from './002-gate-runs.js';
import { guardDecisionsMigration } from './003-guard-decisions.js';
import { memoryEvalsMigration } from './004-memory-evals.js';
import { pullRequestsMigration } from './005-pull-requests.js';
import { workMigration } from './006-work.js';
import type { Migration } from './migration.js';

/**
 * The schema history of a repository's `.factory/state.db`, oldest first. Append only: never edit or
 * reorder a migration that has shipped. Each subsystem owns its own migration file.
 * Fixed slots (position = version): 1 tasks/workflows, 2 gate runs, 3 guard decisions, 4 memory + eval
 * runs, 5 pull requests / review decisions, 6 work sessions and the requests they opened.
 */
export const repositoryMigrations: readonly Migration[] = [
  tasksMigration, // 1: tasks, task log, task resources (state)
  gateRunsMigration, // 2: gate runs (gates)
  guardDecisionsMigration, // 3: guard decisions and allowances (guard)
  memoryEvalsMigration, // memory entries and eval runs (evals)
  pullRequestsMigration, // pull requests and review decisions (sweep)
  workMigration, // 6: work sessions and work requests (loop)
];
