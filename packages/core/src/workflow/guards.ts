import type { DatabaseSync } from 'node:sqlite';
import type { ResolvedTransition } from './types.js';

/** What a guard sees of the task being moved (the row as it is inside the moving transaction). */
export interface GuardTask {
  readonly id: number;
  readonly workflow: string;
  readonly state: string;
  readonly version: number;
  readonly owner: string | null;
  readonly key: string | null;
  readonly data: Record<string, unknown>;
}

export interface GuardContext {
  readonly task: GuardTask;
  readonly transition: ResolvedTransition;
  readonly actor: string;
  /** Which store moves the task: the guard reads through `db` (SQLite) or `query` (PostgreSQL). */
  readonly backend: 'sqlite' | 'postgres';
  /**
   * SQLite: the state database, inside the BEGIN IMMEDIATE transaction of the move: what the guard reads
   * cannot change before the move commits. Guards read through their own core module, never write.
   */
  readonly db?: DatabaseSync;
  /**
   * PostgreSQL: a read inside the move's transaction, with the task's row locked (FOR UPDATE) until the move
   * commits, so the task cannot change between the guard's answer and the move.
   */
  readonly query?: (text: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>;
}

/** `true` allows the move; a string refuses it and says why (one sentence fragment). */
export type GuardResult = true | string;

/**
 * A condition on a transition, e.g. "gates passed on this commit". On SQLite it must answer at once (it
 * runs inside the write lock, and an answer given later is refused); on PostgreSQL it may answer with a
 * promise (it runs inside the move's transaction).
 */
export type Guard = (context: GuardContext) => GuardResult | Promise<GuardResult>;

const guards = new Map<string, Guard>();

/**
 * Registers a guard under the name that workflow transitions refer to (`guard: 'gates-passed'`).
 * A transition whose guard is not registered in the running process is refused (fail closed).
 */
export function registerGuard(name: string, guard: Guard): void {
  guards.set(name, guard);
}

export function unregisterGuard(name: string): void {
  guards.delete(name);
}

export function findGuard(name: string): Guard | undefined {
  return guards.get(name);
}

export function registeredGuards(): string[] {
  return [...guards.keys()].sort();
}
