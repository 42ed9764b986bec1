import type { SchemaHistory } from '@factory/core/state/migrations/migration';
import { evalRunsMigration } from './001-eval-runs.js';

/** agent's tables. Append only: never edit or reorder a migration that has shipped. */
export const agentSchema: SchemaHistory = {
  owner: 'agent',
  migrations: [
    evalRunsMigration, // 1: eval runs and results
  ],
};
