import { stateDbPath } from '@factory/core';
import { openExistingRepositoryState } from '@factory/core/state/repository';
import { collectStatus, type RepositoryStatus, renderStatus } from '@factory/core/state/status';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import {
  busyTimeoutFromEnv,
  repositoryRoot,
  repositoryStateSettings,
  type StateArgs,
  type StateLocation,
} from '../state-context.js';
import { statusSections } from '../status-sections.js';

/** Status of a repository that never used the state store: nothing is created just to report that. */
function emptyStatus(root: string): RepositoryStatus {
  return {
    repository: root,
    database: stateDbPath(root),
    tasks: { total: 0, byState: [] },
    leases: { held: [], expired: [] },
    sections: {},
  };
}

/**
 * With FACTORY_STATE_URL, tasks and leases are the shared ones on PostgreSQL; gate runs and guard decisions
 * stay this clone's (its .factory/state.db).
 */
async function withSharedTasks(status: RepositoryStatus, location: StateLocation): Promise<RepositoryStatus> {
  const { openWorkflowStore } = await import('@factory/core/state/open-workflow-store');
  const store = await openWorkflowStore(status.repository, {
    url: location.url!,
    ...(location.source ? { urlSource: location.source } : {}),
  });
  try {
    const byState = await store.counts();
    const leases = await store.leases();
    return {
      ...status,
      database: store.location,
      tasks: { total: byState.reduce((sum, c) => sum + c.count, 0), byState },
      leases: { held: leases.filter((l) => !l.expired), expired: leases.filter((l) => l.expired) },
    };
  } finally {
    await store.close();
  }
}

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'tasks by state, leases, recent gate runs and guard decisions of this repository',
  handler: async (argv) => {
    const args = argv as StateArgs;
    const root = repositoryRoot(args);
    const busyTimeoutMs = busyTimeoutFromEnv();
    const state = openExistingRepositoryState(root, {
      readOnly: true,
      ...(busyTimeoutMs !== undefined ? { busyTimeoutMs } : {}),
    });
    let status: RepositoryStatus;
    try {
      status = state ? collectStatus(state, statusSections) : emptyStatus(root);
    } finally {
      state?.close();
    }
    const { location } = await repositoryStateSettings(root);
    if (location.url) status = await withSharedTasks(status, location);
    if (args.json) printJson(status);
    else for (const line of renderStatus(status, statusSections)) printLine(line);
  },
};
