import { isAbsolute } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { StateStore } from '@factory/core/state/store';
import { type InboxRecord, readGateInbox } from './gate-inbox.js';
import { removeInboxFile } from './inbox-folder.js';
import { gatesSchema } from './migrations/index.js';

/** How a gate run ended: `error` is a gate that could not run (config, environment): it blocked too. */
export type GateRunStatus = 'passed' | 'failed' | 'error' | 'interrupted';

/** One check inside a run, as the gate reported it. */
export interface GateCheckRecord {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly findings?: number;
  /** commands: the tree they passed on (a clean working tree), what they were, and the run reused. */
  readonly tree?: string;
  readonly fingerprint?: string;
  readonly reusedFrom?: number;
  /** Findings an allowance let through (secrets: an inline marker or allowPaths), each with its reason. */
  readonly allowed?: readonly {
    readonly file: string;
    readonly line: number;
    readonly rule: string;
    readonly by: string;
    readonly reason: string;
    readonly commit?: string;
  }[];
}

export interface GateRunInput {
  readonly gate: string;
  readonly status: GateRunStatus;
  readonly durationMs: number;
  readonly startedAt: string;
  readonly sha?: string;
  /** Checks a human skipped (FACTORY_SKIP), with the reason they gave. */
  readonly skipped?: readonly string[];
  readonly skipReason?: string;
  readonly checks?: readonly GateCheckRecord[];
}

export interface GateRun extends GateRunInput {
  readonly id: number;
  readonly skipped: readonly string[];
  readonly checks: readonly GateCheckRecord[];
}

interface GateRunRow {
  id: number;
  gate: string;
  status: GateRunStatus;
  duration_ms: number;
  started_at: string;
  sha: string | null;
  skipped: string;
  skip_reason: string | null;
  checks: string;
}

function insertRun(db: DatabaseSync, run: GateRunInput, inboxId?: string): number {
  const result = db
    .prepare(
      `INSERT INTO gate_runs (gate, status, duration_ms, started_at, sha, skipped, skip_reason, checks, inbox_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (inbox_id) WHERE inbox_id IS NOT NULL DO NOTHING`,
    )
    .run(
      run.gate,
      run.status,
      Math.round(run.durationMs),
      run.startedAt,
      run.sha ?? null,
      JSON.stringify(run.skipped ?? []),
      run.skipReason ?? null,
      JSON.stringify(run.checks ?? []),
      inboxId ?? null,
    );
  return Number(result.lastInsertRowid);
}

export function recordGateRun(store: StateStore, run: GateRunInput): number {
  store.ensure(gatesSchema);
  return store.write((db) => insertRun(db, run));
}

/**
 * Moves the runs the gates posted to the inbox (gate-inbox.ts) into gate_runs. Returns those it could not
 * move (a store opened read-only, or one that cannot be written): the caller shows them beside the stored
 * ones. Every reader of gate runs calls it first (listGateRuns and countGateFailuresSince do).
 */
export function foldGateInbox(store: StateStore): InboxRecord<GateRunInput>[] {
  // An in-memory store has no folder, so no inbox.
  if (!isAbsolute(store.path)) return [];
  const runs = readGateInbox<GateRunInput>(store.path);
  if (runs.length === 0) return [];
  try {
    store.ensure(gatesSchema);
    store.write((db) => {
      for (const run of runs) insertRun(db, run, run.id);
    });
  } catch {
    return runs;
  }
  for (const run of runs) removeInboxFile(run.file);
  return [];
}

/**
 * gate_runs as far as reading them needs: migrated to the current schema where the store can, else (a
 * read-only open, or inside a read transaction, of a file that an older factory wrote) as it is, which
 * every schema since the first can answer; the inbox then stays pending until a writer folds it.
 */
function ensureReadable(store: StateStore): void {
  try {
    store.ensure(gatesSchema);
  } catch (error) {
    const version = store.version(gatesSchema.owner);
    if (version >= 1 && version < gatesSchema.migrations.length) return;
    throw error;
  }
}

/** A run still in the inbox, as listGateRuns shows it: id 0 (it has no row yet). */
function pendingRun(run: InboxRecord<GateRunInput>): GateRun {
  return {
    id: 0,
    gate: run.gate,
    status: run.status,
    durationMs: Math.round(run.durationMs),
    startedAt: run.startedAt,
    ...(run.sha ? { sha: run.sha } : {}),
    skipped: run.skipped ?? [],
    ...(run.skipReason ? { skipReason: run.skipReason } : {}),
    checks: run.checks ?? [],
  };
}

/** Gate runs, newest first (the inbox folded in first, or shown beside them when it cannot be). */
export function listGateRuns(store: StateStore, options: { limit?: number; gate?: string } = {}): GateRun[] {
  ensureReadable(store);
  const limit = options.limit ?? 100;
  const pending = foldGateInbox(store)
    .filter((run) => options.gate === undefined || run.gate === options.gate)
    .map(pendingRun);
  const stored = store.read((db) => {
    const rows = (options.gate
      ? db
          .prepare('SELECT * FROM gate_runs WHERE gate = ? ORDER BY started_at DESC, id DESC LIMIT ?')
          .all(options.gate, limit)
      : db
          .prepare('SELECT * FROM gate_runs ORDER BY started_at DESC, id DESC LIMIT ?')
          .all(limit)) as unknown as GateRunRow[];
    return rows.map(fromRow);
  });
  if (pending.length === 0) return stored;
  return [...pending, ...stored]
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
    .slice(0, limit);
}

function fromRow(row: GateRunRow): GateRun {
  return {
    id: row.id,
    gate: row.gate,
    status: row.status,
    durationMs: row.duration_ms,
    startedAt: row.started_at,
    ...(row.sha ? { sha: row.sha } : {}),
    skipped: JSON.parse(row.skipped) as string[],
    ...(row.skip_reason ? { skipReason: row.skip_reason } : {}),
    checks: JSON.parse(row.checks) as GateCheckRecord[],
  };
}

/** How many gate runs failed (or could not run) since `since` (an ISO time): the sweep's health figure. */
export function countGateFailuresSince(store: StateStore, since: string): number {
  ensureReadable(store);
  const pending = foldGateInbox(store).filter(
    (run) => run.startedAt > since && (run.status === 'failed' || run.status === 'error'),
  ).length;
  const row = store.db
    .prepare("SELECT COUNT(*) AS n FROM gate_runs WHERE started_at > ? AND status IN ('failed', 'error')")
    .get(since) as { n: number };
  return row.n + pending;
}
