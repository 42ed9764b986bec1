import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { StateStore } from '@factory/core/state/store';
import { foldGateInbox } from '../state/gate-runs.js';
import { foldGuardInbox } from '../state/guard-decisions.js';
import { listMemory, markMemoryUsed } from '../state/memory.js';
import { gatesSchema } from '../state/migrations/index.js';
import {
  DEFAULT_MEMORY_BUDGET,
  formatMemory,
  matchPrompt,
  rankForSession,
  type ScoredEntry,
} from './relevance.js';

/**
 * What the session-start and user-prompt-submit hooks add to the model's context. Both are read-mostly
 * and must never create a state database where there is none: no database, no memory, no output.
 */
export interface MemoryContext {
  readonly text: string;
  readonly included: readonly number[];
  readonly omitted: number;
}

function budgetFrom(env: NodeJS.ProcessEnv): number {
  const value = Number(env.FACTORY_MEMORY_BUDGET);
  return Number.isFinite(value) && value >= 200 ? Math.min(value, 9500) : DEFAULT_MEMORY_BUDGET;
}

function withStore<T>(cwd: string, fn: (store: StateStore, root: string) => T): T | undefined {
  const root = findRepositoryRoot(cwd);
  if (!root) return undefined;
  const path = stateDbPath(root);
  if (!existsSync(path)) return undefined;
  const store = StateStore.open({ path, schemas: [gatesSchema] });
  try {
    return fn(store, root);
  } finally {
    store.close();
  }
}

/** Files changed in the working tree (relative paths); empty when git is not available. */
export function changedFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // -z entries are "XY path"; a rename or copy is followed by its source path as an entry of its own.
    const files: string[] = [];
    const entries = out.split('\0');
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.length < 4) continue;
      files.push(entry.slice(3));
      if (entry[0] === 'R' || entry[0] === 'C') i++;
    }
    return files;
  } catch {
    return [];
  }
}

function finish(
  store: StateStore,
  ranked: ScoredEntry[],
  heading: string,
  env: NodeJS.ProcessEnv,
  countUses: boolean,
): MemoryContext | undefined {
  if (ranked.length === 0) return undefined;
  const formatted = formatMemory(ranked, heading, budgetFrom(env));
  if (formatted.included.length === 0) return undefined;
  // Only a match on a prompt says an entry was relevant; counting every session start would make the
  // entries that are always shown rank ever higher because they are always shown.
  if (countUses) markMemoryUsed(store, formatted.included);
  return formatted;
}

export function sessionStartMemory(cwd: string, env: NodeJS.ProcessEnv): MemoryContext | undefined {
  return withStore(cwd, (store, root) => {
    // The one hook that opens state.db anyway, once a session: it folds the refusals the guard posted to
    // its inbox (state/guard-inbox.ts), so that the inbox holds at most about one session's, and the runs
    // the gates posted to theirs (state/gate-inbox.ts).
    foldGuardInbox(store);
    foldGateInbox(store);
    const entries = listMemory(store);
    if (entries.length === 0) return undefined;
    const ranked = rankForSession(entries, changedFiles(root));
    return finish(
      store,
      ranked,
      "Project memory (factory memory; the project's standing notes, most relevant first):",
      env,
      false,
    );
  });
}

export function promptMemory(cwd: string, prompt: string, env: NodeJS.ProcessEnv): MemoryContext | undefined {
  if (prompt.trim() === '') return undefined;
  return withStore(cwd, (store) => {
    const entries = listMemory(store);
    if (entries.length === 0) return undefined;
    return finish(
      store,
      matchPrompt(entries, prompt),
      'Project memory that matches this request (factory memory):',
      env,
      true,
    );
  });
}
