import type { SchemaHistory } from '@factory/core/state/migrations/migration';
import { pullRequestsMigration } from './001-pull-requests.js';
import { workRequestsMigration } from './002-work-requests.js';
import { pullRequestRecordMigration } from './003-pull-request-record.js';

/** fleet's tables in a repository's state.db. Append only: never edit or reorder a migration that has shipped. */
export const fleetSchema: SchemaHistory = {
  owner: 'fleet',
  migrations: [
    pullRequestsMigration, // 1: pull requests and review decisions
    workRequestsMigration, // 2: the requests work tasks opened
    pullRequestRecordMigration, // 3: the pull request is its task; snapshots beside it
  ],
};
