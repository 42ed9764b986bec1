import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openExistingRepositoryState } from '@factory/core/state/repository';
import { messages } from '../messages.js';
import { factoryHome } from '../sweep/home-store.js';
import { optionalManifest, realPath } from './context.js';

/** Where the loop writes the status line that `factory statusline` prints without opening a database. */
export function statuslinePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(factoryHome(env), 'statusline.txt');
}

export interface LoopCounts {
  readonly inFlight: number;
  readonly ready: number;
  readonly review: number;
  readonly failed: number;
  readonly mergedToday: number;
}

/** Counts the work tasks of these repositories (those without a state database count nothing). */
export function countWork(repos: readonly string[], now = new Date()): LoopCounts {
  const today = now.toISOString().slice(0, 10);
  const counts = { inFlight: 0, ready: 0, review: 0, failed: 0, mergedToday: 0 };
  for (const repo of new Set(repos.map(realPath))) {
    const state = openExistingRepositoryState(repo);
    if (!state) continue;
    try {
      for (const task of state.tasks.list({ workflow: 'work' })) {
        if (task.state === 'running') counts.inFlight++;
        else if (task.state === 'ready') counts.ready++;
        else if (task.state === 'review') counts.review++;
        else if (task.state === 'blocked') counts.failed++;
        else if (task.state === 'done' && task.updatedAt.startsWith(today)) counts.mergedToday++;
      }
    } finally {
      state.close();
    }
  }
  return counts;
}

export function statusText(c: LoopCounts): string {
  return `factory: ${c.inFlight} in flight, ${c.ready} ready, ${c.review} in review, ${c.failed} blocked, ${c.mergedToday} merged today`;
}

/**
 * Renders the status line over the manifest's repositories (and `extra` ones) into $FACTORY_HOME, by
 * rename so a reader never sees half a line. Best effort: a status line is never worth failing work for.
 */
export function renderStatusline(
  env: NodeJS.ProcessEnv = process.env,
  extra: readonly string[] = [],
): string | undefined {
  try {
    const manifest = optionalManifest(undefined, env);
    const text = statusText(countWork([...manifest.repositories.map((r) => r.path), ...extra]));
    const file = statuslinePath(env);
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${text}\n`);
    renameSync(temp, file);
    return text;
  } catch {
    return undefined;
  }
}

/** What `factory statusline` prints: the rendered line, or a note that no loop ran yet. */
export function readStatusline(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return readFileSync(statuslinePath(env), 'utf8').trim();
  } catch {
    return messages.loop.statuslineMissing;
  }
}
