import type { SchemaHistory } from '@factory/core/state/migrations/migration';
import { evalRunsMigration } from './001-eval-runs.js';
import { workSessionsMigration } from './002-work-sessions.js';

/** agent's tables. Append only: never edit or reorder a migration that has shipped. */
export const agentSchema: SchemaHistory = {
  owner: 'agent',
  migrations: [
    evalRunsMigration, // 1: eval runs and results
    workSessionsMigration, // 2: work sessions of the loop
  ],
};
