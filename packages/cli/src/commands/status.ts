import { stateDbPath } from '@factory/core';
import { openExistingRepositoryState } from '@factory/core/state/repository';
import { collectStatus, type RepositoryStatus, renderStatus } from '@factory/core/state/status';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import {
  busyTimeoutFromEnv,
  currentStateLocation,
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
 * With FACTORY_STATE_URL, tasks and leases are the shared ones on PostgreSQL; the sections of gate runs and
 * guard decisions are this clone's (its .factory/state.db), and `team` adds every synced repository's.
 */
async function withSharedTasks(
  status: RepositoryStatus,
  location: StateLocation,
): Promise<RepositoryStatus & { team: TeamStatus }> {
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
      team: await teamFigures(location.url!, status.repository),
    };
  } finally {
    await store.close();
  }
}

/**
 * The team's figures on the shared database: this clone's gate runs, guard decisions and review records
 * (and this home's sweeps) are shipped first, so what is shown includes them.
 */
async function teamFigures(url: string, roots: string | readonly string[]): Promise<TeamStatus> {
  const { openTeamDatabase, syncHome, syncRepository } = await import('@factory/fleet/state/sync');
  const { teamGateFigures } = await import('@factory/gates/state/ship');
  const { teamFleetFigures } = await import('@factory/fleet/state/ship');
  const { factoryHome } = await import('@factory/fleet/sweep/home-store');
  const db = await openTeamDatabase(url);
  try {
    for (const root of typeof roots === 'string' ? [roots] : roots) await syncRepository(db, root);
    await syncHome(db, factoryHome(process.env));
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    return { gates: await teamGateFigures(db, since), fleet: await teamFleetFigures(db, since) };
  } finally {
    await db.close();
  }
}

interface TeamStatus {
  readonly gates: import('@factory/gates/state/ship').TeamGateFigures;
  readonly fleet: import('@factory/fleet/state/ship').TeamFleetFigures;
}

async function renderTeam(team: TeamStatus): Promise<string[]> {
  const { renderTeamGateFigures } = await import('@factory/gates/state/ship');
  const { renderTeamFleetFigures } = await import('@factory/fleet/state/ship');
  return [
    '',
    "the team's gate runs and guard refusals (every repository synced to the shared database)",
    ...renderTeamGateFigures(team.gates).map((line) => `  ${line}`),
    '',
    "the team's review and sweeps",
    ...renderTeamFleetFigures(team.fleet).map((line) => `  ${line}`),
  ];
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
  // State on PostgreSQL (FACTORY_STATE_URL, else the current repository's state.url): every repository
  // listed ships its rows, then the team's figures follow.
  const url = (await currentStateLocation(args.cwd ?? process.cwd())).url;
  const team = url ? await teamFigures(url, roots) : undefined;
  if (args.json) {
    printJson({ manifest: manifest.file, loop, repositories: all, ...(team ? { team } : {}) });
    return;
  }
  printLine(loop);
  for (const status of all) {
    printLine();
    for (const line of renderStatus(status, statusSections)) printLine(line);
  }
  if (team) for (const line of await renderTeam(team)) printLine(line);
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
    const shared = location.url ? await withSharedTasks(status, location) : undefined;
    if (shared) status = shared;
    if (args.json) printJson(status);
    else {
      for (const line of renderStatus(status, statusSections)) printLine(line);
      if (shared) for (const line of await renderTeam(shared.team)) printLine(line);
    }
  },
};
