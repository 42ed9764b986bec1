import { stateDbPath } from '@factory/core';
import { openExistingRepositoryState } from '@factory/core/state/repository';
import { collectStatus, type RepositoryStatus, renderStatus } from '@factory/core/state/status';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import { packageSchemas } from '../schemas.js';
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

/** `status --all`: each repository of the manifest (and the current one), one section each. */
async function statusAll(args: StateArgs & { manifest?: string }): Promise<void> {
  const { resolve } = await import('node:path');
  const { findRepositoryRoot } = await import('@factory/core');
  const { optionalManifest, realPath } = await import('@factory/fleet/loop/context');
  const { countWork, statusText } = await import('@factory/fleet/loop/statusline');
  const manifest = optionalManifest(args.manifest ? resolve(args.manifest) : undefined, process.env);
  const current = findRepositoryRoot(resolve(args.cwd ?? process.cwd()));
  const roots = [
    ...new Set([
      ...manifest.repositories.map((r) => realPath(r.path)),
      ...(current ? [realPath(current)] : []),
    ]),
  ];
  const busyTimeoutMs = busyTimeoutFromEnv();
  const all: RepositoryStatus[] = [];
  for (const root of roots) {
    const state = openExistingRepositoryState(root, busyTimeoutMs !== undefined ? { busyTimeoutMs } : {});
    try {
      all.push(state ? collectStatus(state, statusSections) : emptyStatus(root));
    } finally {
      state?.close();
    }
  }
  const loop = statusText(countWork(roots));
  if (args.json) {
    printJson({ manifest: manifest.file, loop, repositories: all });
    return;
  }
  printLine(loop);
  for (const status of all) {
    printLine();
    for (const line of renderStatus(status, statusSections)) printLine(line);
  }
}

export const statusCommand: CommandModule = {
  command: 'status',
  describe:
    'tasks by state, leases, recent gate runs and guard decisions of this repository (--all: every repository of the manifest)',
  builder: (y) =>
    y
      .option('all', { type: 'boolean', describe: 'every repository of the manifest, then the current one' })
      .option('manifest', {
        type: 'string',
        describe: 'with --all: the manifest (default $FACTORY_HOME/repos.yaml)',
        requiresArg: true,
      }),
  handler: async (argv) => {
    const args = argv as StateArgs & { all?: boolean; manifest?: string };
    if (args.all) return statusAll(args);
    const root = repositoryRoot(args);
    const busyTimeoutMs = busyTimeoutFromEnv();
    const state = openExistingRepositoryState(root, {
      schemas: packageSchemas,
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
