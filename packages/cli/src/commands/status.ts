import { stateDbPath } from '@factory/core';
import { openExistingRepositoryState } from '@factory/core/state/repository';
import { collectStatus, type RepositoryStatus, renderStatus } from '@factory/core/state/status';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import { busyTimeoutFromEnv, repositoryRoot, type StateArgs } from '../state-context.js';
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

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'tasks by state, leases, recent gate runs and guard decisions of this repository',
  handler: (argv) => {
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
    if (args.json) printJson(status);
    else for (const line of renderStatus(status, statusSections)) printLine(line);
  },
};
