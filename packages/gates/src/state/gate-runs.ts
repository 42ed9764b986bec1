import type { StateStore } from '@factory/core/state/store';
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

export function recordGateRun(store: StateStore, run: GateRunInput): number {
  store.ensure(gatesSchema);
  return store.write((db) => {
    const result = db
      .prepare(
        `INSERT INTO gate_runs (gate, status, duration_ms, started_at, sha, skipped, skip_reason, checks)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
      );
    return Number(result.lastInsertRowid);
  });
}

/** Gate runs, newest first. */
export function listGateRuns(store: StateStore, options: { limit?: number; gate?: string } = {}): GateRun[] {
  store.ensure(gatesSchema);
  const limit = options.limit ?? 100;
  return store.read((db) => {
    const rows = (options.gate
      ? db
          .prepare('SELECT * FROM gate_runs WHERE gate = ? ORDER BY started_at DESC, id DESC LIMIT ?')
          .all(options.gate, limit)
      : db
          .prepare('SELECT * FROM gate_runs ORDER BY started_at DESC, id DESC LIMIT ?')
          .all(limit)) as unknown as GateRunRow[];
    return rows.map(fromRow);
  });
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
  store.ensure(gatesSchema);
  const row = store.db
    .prepare("SELECT COUNT(*) AS n FROM gate_runs WHERE started_at > ? AND status IN ('failed', 'error')")
    .get(since) as { n: number };
  return row.n;
}
