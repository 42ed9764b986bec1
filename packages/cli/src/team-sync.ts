import { resolve } from 'node:path';
import { findRepositoryRoot } from '@factory/core';
import type { RepositorySync } from '@factory/fleet/state/sync';
import { messages } from './messages.js';
import { stateUrlFromEnv } from './state-context.js';

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
 * After `sweep`, `review` or `loop tick` with FACTORY_STATE_URL: ship what they recorded, best effort. The
 * command's own work is done and kept in SQLite either way; a server out of reach costs one warning line
 * and the next sync ships it.
 */
export async function syncTeamAfter(
  roots: readonly string[] | (() => Promise<string[]>),
): Promise<TeamSyncReport | undefined> {
  const location = stateUrlFromEnv();
  if (!location.url) return undefined;
  try {
    return await syncTeam(location.url, typeof roots === 'function' ? await roots() : roots);
  } catch (error) {
    process.stderr.write(
      `factory: ${messages.stateSyncSkipped(error instanceof Error ? error.message : String(error))}\n`,
    );
    return undefined;
  }
}
