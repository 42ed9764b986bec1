import { resolve } from 'node:path';
import { findRepositoryRoot } from '@factory/core';
import type { RepositorySync } from '@factory/fleet/state/sync';
import { messages } from './messages.js';
import { currentStateLocation, type StateLocation } from './state-context.js';

export interface TeamSyncReport {
  readonly url: string;
  readonly repositories: RepositorySync[];
  readonly sweeps: number;
  readonly sweepResults: number;
}

/** The repositories of the manifest (when there is one) and the current one, each once, as real paths. */
export async function manifestAndCurrentRoots(
  manifestFile: string | undefined,
  cwd: string,
): Promise<string[]> {
  const { optionalManifest, realPath } = await import('@factory/fleet/loop/context');
  const manifest = optionalManifest(manifestFile ? resolve(manifestFile) : undefined, process.env);
  const current = findRepositoryRoot(resolve(cwd));
  return [
    ...new Set([
      ...manifest.repositories.map((r) => realPath(r.path)),
      ...(current ? [realPath(current)] : []),
    ]),
  ];
}

/**
 * Ships `roots`' gate runs, guard decisions and review records and `$FACTORY_HOME`'s sweep history to the
 * team's PostgreSQL database (`url`). Throws a FactoryError (exit 2, one sentence) when the server cannot be
 * used: `factory state sync` and `factory status` report that as theirs.
 */
export async function syncTeam(
  url: string,
  roots: readonly string[],
  withHome = true,
): Promise<TeamSyncReport> {
  const { syncTeamState } = await import('@factory/fleet/state/sync');
  const { factoryHome } = await import('@factory/fleet/sweep/home-store');
  const { redactUrl } = await import('@factory/core/state/postgres/connection');
  const result = await syncTeamState(url, roots, withHome ? factoryHome(process.env) : undefined);
  return { url: redactUrl(url), ...result };
}

/**
 * After `sweep`, `review` or a `loop` tick, when the state is on PostgreSQL (FACTORY_STATE_URL, else the
 * `state.url` of the repository around `cwd`; or the `location` the caller already resolved): ship what
 * they recorded, best effort. The command's own work is done and kept in SQLite either way; a server out
 * of reach (or a config that cannot be read) costs one warning line and the next sync ships it.
 */
export async function syncTeamAfter(
  roots: readonly string[] | (() => Promise<string[]>),
  where: { readonly cwd: string } | { readonly location: StateLocation },
  warn: (line: string) => void = (line) => process.stderr.write(line),
): Promise<TeamSyncReport | undefined> {
  try {
    const location = 'location' in where ? where.location : await currentStateLocation(where.cwd);
    if (!location.url) return undefined;
    return await syncTeam(location.url, typeof roots === 'function' ? await roots() : roots);
  } catch (error) {
    warn(`factory: ${messages.stateSyncSkipped(error instanceof Error ? error.message : String(error))}\n`);
    return undefined;
  }
}

/** How long `factory loop run` lets pass between two syncs: ticks come in bursts when workers end together. */
const LOOP_SYNC_SPACING_MS = 10_000;

/**
 * `factory loop run`'s shipping: after a tick, like `loop tick` (at most once per LOOP_SYNC_SPACING_MS, each
 * sync costs a connection and a query per table), and once more when the loop ends. A server out of reach
 * is told once, not on every tick, and again only after a sync that worked.
 */
export function loopTeamSync(
  roots: () => Promise<string[]>,
  cwd: string,
  now: () => number = Date.now,
): { afterTick: () => Promise<void>; onEnd: () => Promise<void> } {
  let lastSync: number | undefined;
  let lastWarning: string | undefined;
  const sync = async () => {
    lastSync = now();
    let warning: string | undefined;
    await syncTeamAfter(roots, { cwd }, (line) => {
      warning = line;
    });
    if (warning !== undefined && warning !== lastWarning) process.stderr.write(warning);
    lastWarning = warning;
  };
  return {
    afterTick: async () => {
      if (lastSync === undefined || now() - lastSync >= LOOP_SYNC_SPACING_MS) await sync();
    },
    onEnd: sync,
  };
}
