import { tasksMigration } from './001-tasks.js';
import type { LegacyVersions, SchemaHistory } from './migration.js';

/** core's tables: tasks, their append-only log and the resources they own. */
export const coreSchema: SchemaHistory = {
  owner: 'core',
  migrations: [
    tasksMigration, // 1: tasks, task log, task resources
  ],
};

/** The user_version that releases before per-owner histories reached (six fixed slots). */
export const LEGACY_USER_VERSION = 6;

/**
 * A repository's state.db before per-owner histories: user_version counted one list of six slots,
 * 1 tasks (core), 2 gate runs (gates), 3 guard decisions (gates), 4 memory (gates) + eval runs (agent),
 * 5 pull requests and review decisions (fleet), 6 work sessions (agent) + work requests (fleet).
 * Frozen: it describes files already written.
 */
export const repositoryLegacyVersions: LegacyVersions = {
  maxUserVersion: LEGACY_USER_VERSION,
  versions(userVersion) {
    return {
      core: Math.min(userVersion, 1),
      gates: Math.max(0, Math.min(userVersion, 4) - 1),
      agent: (userVersion >= 4 ? 1 : 0) + (userVersion >= 6 ? 1 : 0),
      fleet: (userVersion >= 5 ? 1 : 0) + (userVersion >= 6 ? 1 : 0),
    };
  },
};
