import { existsSync } from 'node:fs';
import { stateDbPath } from '../paths.js';
import { WorkflowSet } from '../workflow/workflow.js';
import { coreSchema } from './migrations/index.js';
import type { SchemaHistory } from './migrations/migration.js';
import { type ReclaimResult, ResourceStore, reclaimResources } from './resources.js';
import { StateStore } from './store.js';
import { type ExpiredLease, type Task, TaskStore } from './tasks.js';

export interface RepositoryStateOptions {
  /** The workflows tasks may use; the defaults (`ticket`, `pull-request`) when not given. */
  readonly workflows?: WorkflowSet;
  readonly busyTimeoutMs?: number;
  /** Milliseconds since the epoch; tests move time with their own clock. */
  readonly clock?: () => number;
  /** Another database file than `<repoRoot>/.factory/state.db` (tests, benchmarks). */
  readonly path?: string;
  /** Other owners' schemas to check and migrate at open, besides core's (e.g. every package's, for status). */
  readonly schemas?: readonly SchemaHistory[];
  /** The caller only reads: see StateStoreOptions.readOnly. */
  readonly readOnly?: boolean;
}

/**
 * A repository's durable state: the typed entry point every package uses (no SQL outside core).
 * Open it, use it, close it; one per process and repository is enough.
 */
export interface RepositoryState {
  readonly repoRoot: string;
  readonly store: StateStore;
  readonly tasks: TaskStore;
  readonly resources: ResourceStore;
  close(): void;
}

/** Opens (creating on first use, migrating when older) the state of the repository at `repoRoot`. */
export function openRepositoryState(repoRoot: string, options: RepositoryStateOptions = {}): RepositoryState {
  const store = StateStore.open({
    path: options.path ?? stateDbPath(repoRoot),
    schemas: [coreSchema, ...(options.schemas ?? [])],
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
  });
  const clock = options.clock ?? Date.now;
  return {
    repoRoot,
    store,
    tasks: new TaskStore(store, { workflows: options.workflows ?? WorkflowSet.defaults(), clock }),
    resources: new ResourceStore(store, clock),
    close: () => store.close(),
  };
}

/**
 * The state of the repository if it has a state database already, else undefined: for readers such as
 * hooks that must not create `.factory/` in a repository that never used factory.
 */
export function openExistingRepositoryState(
  repoRoot: string,
  options: RepositoryStateOptions = {},
): RepositoryState | undefined {
  const path = options.path ?? stateDbPath(repoRoot);
  if (!existsSync(path)) return undefined;
  return openRepositoryState(repoRoot, { ...options, path });
}

export interface RecoveryReport {
  /** Leases that had expired and were freed (or failed the task when out of attempts). */
  readonly expired: ExpiredLease[];
  /** Resources of ended tasks or gone owners: released, or kept with the reason a human must look. */
  readonly resources: ReclaimResult[];
}

/** Frees expired leases, then reclaims the leaked resources of ended tasks and gone owners. */
export function recoverRepository(state: RepositoryState): RecoveryReport {
  const expired = state.tasks.expireLeases();
  const resources = reclaimResources(state.repoRoot, state.resources);
  return { expired, resources };
}

/**
 * The tasks `owner` (an agent session id, a worker name) holds with a live lease in an active state: work
 * it claimed and neither finished nor handed over. The guard's Stop hook asks this before letting a session
 * stop. Lean enough for a hook: no config, no ajv (the task rows carry their phase); a repository without
 * a state database holds nothing and gets none created.
 */
export function heldUnfinishedTasks(
  repoRoot: string,
  owner: string,
  options: RepositoryStateOptions = {},
): Task[] {
  const state = openExistingRepositoryState(repoRoot, options);
  if (!state) return [];
  try {
    return state.tasks.heldActiveTasks(owner);
  } finally {
    state.close();
  }
}
