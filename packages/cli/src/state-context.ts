import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { coreMessages, ExitCode, FactoryError, findRepositoryRoot, isDirectory } from '@factory/core';
import { chooseStateLocation, resolveStateLocation, type StateLocation } from '@factory/core/state/location';
import { openRepositoryState, type RepositoryState } from '@factory/core/state/repository';
import { SqliteWorkflowStore, type WorkflowStore } from '@factory/core/state/workflow-store';
import type { WorkflowSet } from '@factory/core/workflow/workflow';
import { messages } from './messages.js';

export type { StateLocation };

/** The global options every state command reads. */
export interface StateArgs {
  readonly cwd?: string;
  readonly json?: boolean;
}

/** The repository the command works on: `--cwd DIR` or the current folder, walked up to its `.git`. */
export function repositoryRoot(args: StateArgs): string {
  const start = resolve(args.cwd ?? process.cwd());
  if (!isDirectory(start)) throw new FactoryError(messages.cwdMissing(start), ExitCode.usage);
  const root = findRepositoryRoot(start);
  if (!root) throw new FactoryError(coreMessages.notInRepository(start), ExitCode.usage);
  return root;
}

/** `FACTORY_BUSY_TIMEOUT_MS`: how long to wait for another writer (default: the store's). */
export function busyTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.FACTORY_BUSY_TIMEOUT_MS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new FactoryError(messages.badBusyTimeout(raw), ExitCode.usage);
  }
  return value;
}

/**
 * The workflows of the repository: the defaults plus the `workflows` section of its factory config.
 * Loaded lazily (ajv and the config loader are not on any hook path).
 */
export async function repositoryWorkflows(root: string): Promise<WorkflowSet> {
  const { loadRepositoryWorkflows } = await import('./workflows-config.js');
  return loadRepositoryWorkflows(root);
}

/** Opens the repository's state with its workflows; the caller closes it. */
export function openState(
  root: string,
  workflows: WorkflowSet,
  access: 'read' | 'write' = 'write',
): RepositoryState {
  const busyTimeoutMs = busyTimeoutFromEnv();
  return openRepositoryState(root, {
    workflows,
    ...(busyTimeoutMs !== undefined ? { busyTimeoutMs } : {}),
    // A command that only reads works on a state.db it may not write (a read-only file or folder).
    ...(access === 'read' ? { readOnly: true } : {}),
  });
}

/**
 * The workflows of the repository and where its workflow state lives (core's one rule: the environment,
 * then the config's `state.url`), from one load of its config.
 */
export async function repositoryStateSettings(
  root: string,
): Promise<{ workflows: WorkflowSet; location: StateLocation }> {
  const { loadRepositoryStateSettings } = await import('./workflows-config.js');
  const settings = await loadRepositoryStateSettings(root);
  return { workflows: settings.workflows, location: chooseStateLocation(process.env, settings) };
}

/**
 * Where the state of the repository around `cwd` lives, for the commands that work across repositories
 * (sweep, review, loop, status --all, state sync): the environment, else that repository's `state.url`;
 * outside any repository only the environment can say.
 */
export function currentStateLocation(cwd: string): Promise<StateLocation> {
  return resolveStateLocation(findRepositoryRoot(resolve(cwd)), process.env);
}

/**
 * The repository's workflow store: on PostgreSQL when a state URL is set (`pg` is loaded only then), else
 * the SQLite state, which is also returned as `local` (resources, the other subsystems' tables).
 */
export async function openWorkflowState(
  root: string,
  workflows: WorkflowSet,
  location: StateLocation,
  access: 'read' | 'write' = 'write',
): Promise<{ store: WorkflowStore; local: RepositoryState | undefined }> {
  if (location.url) {
    const { openWorkflowStore } = await import('@factory/core/state/open-workflow-store');
    return {
      store: await openWorkflowStore(root, {
        workflows,
        url: location.url,
        ...(location.source ? { urlSource: location.source } : {}),
      }),
      local: undefined,
    };
  }
  const local = openState(root, workflows, access);
  return { store: new SqliteWorkflowStore(local.tasks, () => local.close(), local.resources), local };
}

/** Who acts when no `--owner` is given: `FACTORY_OWNER`, else the user name. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACTORY_OWNER) return env.FACTORY_OWNER;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
