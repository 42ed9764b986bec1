import type { SchemaHistory } from '@factory/core/state/migrations/migration';
import { gateRunsMigration } from './001-gate-runs.js';
import { guardDecisionsMigration } from './002-guard-decisions.js';
import { memoryMigration } from './003-memory.js';
import { guardInboxMigration } from './004-guard-inbox.js';
import { gateInboxMigration } from './005-gate-inbox.js';

/** gates' tables. Append only: never edit or reorder a migration that has shipped. */
export const gatesSchema: SchemaHistory = {
  owner: 'gates',
  migrations: [
    gateRunsMigration, // 1: gate runs
    guardDecisionsMigration, // 2: guard decisions and allowances
    memoryMigration, // 3: memory entries
    guardInboxMigration, // 4: guard decisions posted through the inbox
    gateInboxMigration, // 5: gate runs posted through the inbox
  ],
};
