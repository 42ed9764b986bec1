import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { stateDbPath } from '@factory/core';
import { PostgresDatabase } from '@factory/core/state/postgres/connection';
import { corePostgresSchema } from '@factory/core/state/postgres/core-schema';
import type { ShipSource } from '@factory/core/state/postgres/ship';
import { openRepositoryState } from '@factory/core/state/repository';
import { stateSourceId } from '@factory/core/state/source-id';
import type { StateStore } from '@factory/core/state/store';
import { gatesPostgresSchema, shipGatesState } from '@factory/gates/state/ship';
import { homeStatePath, openSweepHistoryStore } from '../sweep/home-store.js';
import { fleetPostgresSchema, shipReviewRecords, shipSweepHistory } from './ship.js';

/**
 * `factory state sync`: what each repository's `.factory/state.db` (and `$FACTORY_HOME/state.db`) holds that
 * the team should see goes to the shared PostgreSQL database of `FACTORY_STATE_URL`: gate runs, guard
 * decisions, pull-request snapshots and review decisions, sweep history. Tasks, leases and their log are
 * already there (the commands write them directly). Idempotent: run it as often as you like.
 */

/** Opens the team's database with every table a sync writes (migrating them under the advisory lock). */
export function openTeamDatabase(url: string): Promise<PostgresDatabase> {
  return PostgresDatabase.open(url, [corePostgresSchema, gatesPostgresSchema, fleetPostgresSchema], {
    max: 2,
  });
}

/** The repository as the team knows it: its origin's URL without credentials, else its path. */
export function repositoryLabel(root: string): string {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (url) return url.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1');
  } catch {
    // no origin: the path names it
  }
  return root;
}

export interface RepositorySync {
  readonly repository: string;
  readonly gateRuns: number;
  readonly guardDecisions: number;
  readonly snapshots: number;
  readonly reviewDecisions: number;
  /** Why nothing was shipped (no state yet), if so. */
  readonly note?: string;
}

/** Ships one repository's state; a repository that never used factory has nothing to ship. */
export async function syncRepository(db: PostgresDatabase, root: string): Promise<RepositorySync> {
  const repository = repositoryLabel(root);
  const empty = { repository, gateRuns: 0, guardDecisions: 0, snapshots: 0, reviewDecisions: 0 };
  if (!existsSync(stateDbPath(root))) return { ...empty, note: 'no .factory/state.db yet' };
  // The local side may refuse (a state.db this user cannot write, a newer schema): that repository is
  // reported and skipped, the others still ship. The server's refusals are thrown.
  let state: ReturnType<typeof openRepositoryState>;
  let id: string;
  try {
    state = openRepositoryState(root);
  } catch (error) {
    return { ...empty, note: error instanceof Error ? error.message : String(error) };
  }
  try {
    id = stateSourceId(state.store);
  } catch (error) {
    state.close();
    return { ...empty, note: error instanceof Error ? error.message : String(error) };
  }
  try {
    const source: ShipSource = { id, repository, host: hostname() };
    const gates = await shipGatesState(db, state.store, source);
    const review = await shipReviewRecords(db, state.store, source);
    return { repository, ...gates, ...review };
  } finally {
    state.close();
  }
}

/** Ships `$FACTORY_HOME`'s sweep history, if there is one. */
export async function syncHome(
  db: PostgresDatabase,
  home: string,
): Promise<{ sweeps: number; sweepResults: number }> {
  if (!existsSync(homeStatePath(home))) return { sweeps: 0, sweepResults: 0 };
  const store: StateStore = openSweepHistoryStore(home);
  try {
    const source: ShipSource = { id: stateSourceId(store), repository: home, host: hostname() };
    return await shipSweepHistory(db, store, source);
  } finally {
    store.close();
  }
}

/**
 * Ships the given repositories and the home's sweep history to `url`: what the commands that read team
 * state (`status`, `sweep`, `review`, `loop tick`) run before they read or after they write.
 */
export async function syncTeamState(
  url: string,
  roots: readonly string[],
  home: string | undefined,
): Promise<{ repositories: RepositorySync[]; sweeps: number; sweepResults: number }> {
  const db = await openTeamDatabase(url);
  try {
    const repositories: RepositorySync[] = [];
    for (const root of roots) repositories.push(await syncRepository(db, root));
    const history = home ? await syncHome(db, home) : { sweeps: 0, sweepResults: 0 };
    return { repositories, ...history };
  } finally {
    await db.close();
  }
}
