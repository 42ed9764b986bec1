import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { WorkflowSet } from '../workflow/workflow.js';
import { openRepositoryState } from './repository.js';
import { SqliteWorkflowStore, type WorkflowStore } from './workflow-store.js';

export interface OpenWorkflowStoreOptions {
  readonly workflows?: WorkflowSet;
  /** Milliseconds since the epoch; tests move time with their own clock. */
  readonly clock?: () => number;
  readonly busyTimeoutMs?: number;
  /**
   * Where the state lives: a `postgres://` URL, or undefined for the repository's `.factory/state.db`.
   * `resolveStateLocation` (./location.ts) decides it: FACTORY_STATE_URL, else the config's `state.url`.
   */
  readonly url?: string;
  /** Where the URL came from, for the error when it is not one (e.g. `FACTORY_STATE_URL`). */
  readonly urlSource?: string;
}

/**
 * The workflow state of a repository, on PostgreSQL when a URL is given, else in its SQLite file. `pg` is
 * loaded only in the first case.
 */
export async function openWorkflowStore(
  repoRoot: string,
  options: OpenWorkflowStoreOptions = {},
): Promise<WorkflowStore> {
  const workflows = options.workflows ?? WorkflowSet.defaults();
  if (options.url !== undefined && options.url !== '') {
    if (!/^postgres(?:ql)?:\/\//i.test(options.url)) {
      throw new FactoryError(messages.pgBadUrl(options.urlSource ?? 'the state URL'), ExitCode.usage);
    }
    const { PostgresWorkflowStore } = await import('./postgres/tasks.js');
    return PostgresWorkflowStore.open(options.url, {
      workflows,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }
  const state = openRepositoryState(repoRoot, {
    workflows,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
  });
  return new SqliteWorkflowStore(state.tasks, () => state.close(), state.resources);
}
