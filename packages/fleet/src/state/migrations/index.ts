import type { SchemaHistory } from '@factory/core/state/migrations/migration';
import { pullRequestsMigration } from './001-pull-requests.js';
import { pullRequestRecordMigration } from './002-pull-request-record.js';

/** fleet's tables in a repository's state.db. Append only: never edit or reorder a migration that has shipped. */
export const fleetSchema: SchemaHistory = {
  owner: 'fleet',
  migrations: [
    pullRequestsMigration, // 1: pull requests and review decisions
    pullRequestRecordMigration, // 2: the pull request is its task; snapshots beside it
  ],
};
