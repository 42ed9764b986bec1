import { resolve } from 'node:path';
import {
  coreMessages,
  ExitCode,
  FactoryError,
  findRepositoryRoot,
  isDirectory,
  StateStore,
  stateDbPath,
} from '@factory/core';
import { messages } from '../messages.js';

/** Helpers shared by the memory, skills and eval commands. */

export interface GlobalArgs {
  readonly cwd?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

export function startDir(argv: GlobalArgs): string {
  const dir = resolve(argv.cwd ?? process.cwd());
  if (!isDirectory(dir)) throw new FactoryError(messages.cwdMissing(argv.cwd ?? dir), ExitCode.usage);
  return dir;
}

export function repositoryRoot(argv: GlobalArgs): string {
  const dir = startDir(argv);
  const root = findRepositoryRoot(dir);
  if (!root) throw new FactoryError(coreMessages.notInRepository(dir), ExitCode.usage);
  return root;
}

export function withState<T>(root: string, fn: (store: StateStore) => T): T {
  const store = StateStore.open({ path: stateDbPath(root) });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** Options yargs gives as string or string[] (repeatable flags): always an array. */
export function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
