import { isAbsolute } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { StateStore } from '@factory/core/state/store';
import { type InboxRecord, markAllowances, readGuardInbox } from './guard-inbox.js';
import { removeInboxFile } from './inbox-folder.js';
import { gatesSchema } from './migrations/index.js';

/**
 * The guard's audit trail in state.db. The guard package decides; this module only stores and reads, so
 * that no SQL lives outside core. Input summaries arrive already redacted (the guard redacts secrets).
 */

export type GuardDecisionValue = 'allow' | 'ask' | 'deny';

export interface GuardDecisionInput {
  readonly sessionId?: string | undefined;
  readonly tool: string;
  readonly inputSummary: string;
  readonly decision: GuardDecisionValue;
  readonly rule?: string | undefined;
  readonly reason?: string | undefined;
  readonly cwd?: string | undefined;
  readonly allowanceId?: number | undefined;
  /** E.g. the reason of a rule disabled in config that would have refused the call. */
  readonly note?: string | undefined;
  readonly at?: Date;
}

export interface GuardDecisionRecord {
  readonly id: number;
  readonly at: string;
  readonly sessionId: string | null;
  readonly tool: string;
  readonly inputSummary: string;
  readonly decision: GuardDecisionValue;
  readonly rule: string | null;
  readonly reason: string | null;
  readonly cwd: string | null;
  readonly allowanceId: number | null;
  readonly note: string | null;
}

export interface GuardAllowanceInput {
  readonly rule: string;
  readonly tool?: string | undefined;
  /** A substring the call's input summary must contain; absent: any call the rule refuses. */
  readonly pattern?: string | undefined;
  readonly reason: string;
  readonly grantedBy: string;
  readonly ttlSeconds: number;
  readonly uses: number;
  readonly now?: Date;
}

export interface GuardAllowanceRecord {
  readonly id: number;
  readonly rule: string;
  readonly tool: string | null;
  readonly pattern: string | null;
  readonly reason: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly usesLeft: number;
}

const MAX_SUMMARY = 2000;

function toDecision(row: Record<string, unknown>): GuardDecisionRecord {
  return {
    id: Number(row.id),
    at: String(row.at),
    sessionId: (row.session_id as string | null) ?? null,
    tool: String(row.tool),
    inputSummary: String(row.input_summary),
    decision: row.decision as GuardDecisionValue,
    rule: (row.rule as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    cwd: (row.cwd as string | null) ?? null,
    allowanceId:
      row.allowance_id === null || row.allowance_id === undefined ? null : Number(row.allowance_id),
    note: (row.note as string | null) ?? null,
  };
}

function toAllowance(row: Record<string, unknown>): GuardAllowanceRecord {
  return {
    id: Number(row.id),
    rule: String(row.rule),
    tool: (row.tool as string | null) ?? null,
    pattern: (row.pattern as string | null) ?? null,
    reason: String(row.reason),
    grantedBy: String(row.granted_by),
    grantedAt: String(row.granted_at),
    expiresAt: String(row.expires_at),
    usesLeft: Number(row.uses_left),
  };
}

function insertDecision(db: DatabaseSync, input: GuardDecisionInput, inboxId?: string): number {
  const result = db
    .prepare(
      `INSERT INTO guard_decisions (at, session_id, tool, input_summary, decision, rule, reason, cwd, allowance_id, note, inbox_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (inbox_id) WHERE inbox_id IS NOT NULL DO NOTHING`,
    )
    .run(
      (input.at ?? new Date()).toISOString(),
      input.sessionId ?? null,
      input.tool,
      input.inputSummary.slice(0, MAX_SUMMARY),
      input.decision,
      input.rule ?? null,
      input.reason ?? null,
      input.cwd ?? null,
      input.allowanceId ?? null,
      input.note ?? null,
      inboxId ?? null,
    );
  return Number(result.lastInsertRowid);
}

/** The state folder of a store on disk (not an in-memory one): where its inbox and marks live. */
function onDisk(store: StateStore): boolean {
  return isAbsolute(store.path);
}

/**
 * Moves the decisions the hook posted to the inbox (guard-inbox.ts) into guard_decisions. Returns those it
 * could not move (a store opened read-only): the caller shows them beside the stored ones.
 */
export function foldGuardInbox(store: StateStore): InboxRecord[] {
  if (!onDisk(store)) return [];
  const records = readGuardInbox(store.path);
  if (records.length === 0) return [];
  try {
    store.ensure(gatesSchema);
    store.write((db) => {
      for (const record of records)
        insertDecision(db, { ...record, decision: record.decision, at: new Date(record.at) }, record.id);
    });
  } catch {
    return records;
  }
  for (const record of records) removeInboxFile(record.file);
  return [];
}

function pendingRecord(record: InboxRecord): GuardDecisionRecord {
  return {
    id: 0,
    at: record.at,
    sessionId: record.sessionId ?? null,
    tool: record.tool,
    inputSummary: record.inputSummary,
    decision: record.decision,
    rule: record.rule ?? null,
    reason: record.reason ?? null,
    cwd: record.cwd ?? null,
    allowanceId: null,
    note: record.note ?? null,
  };
}

export function recordGuardDecision(store: StateStore, input: GuardDecisionInput): number {
  store.ensure(gatesSchema);
  return store.write((db) => insertDecision(db, input));
}

export function listGuardDecisions(
  store: StateStore,
  options: { limit?: number } = {},
): GuardDecisionRecord[] {
  store.ensure(gatesSchema);
  const limit = Math.max(1, Math.min(options.limit ?? 100, 10_000));
  const pending = foldGuardInbox(store).map(pendingRecord);
  const stored = store.read((db) =>
    (
      db.prepare('SELECT * FROM guard_decisions ORDER BY at DESC, id DESC LIMIT ?').all(limit) as Record<
        string,
        unknown
      >[]
    ).map(toDecision),
  );
  if (pending.length === 0) return stored;
  return [...pending, ...stored].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

export function grantGuardAllowance(store: StateStore, input: GuardAllowanceInput): GuardAllowanceRecord {
  store.ensure(gatesSchema);
  const now = input.now ?? new Date();
  return store.write((db) => {
    const result = db
      .prepare(
        `INSERT INTO guard_allowances (rule, tool, pattern, reason, granted_by, granted_at, expires_at, uses_left)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.rule,
        input.tool ?? null,
        input.pattern ?? null,
        input.reason,
        input.grantedBy,
        now.toISOString(),
        new Date(now.getTime() + input.ttlSeconds * 1000).toISOString(),
        input.uses,
      );
    // Inside the transaction: no refusal may take the inbox (and skip this allowance) once it commits.
    if (onDisk(store)) markAllowances(store.path, true);
    const row = db
      .prepare('SELECT * FROM guard_allowances WHERE id = ?')
      .get(Number(result.lastInsertRowid)) as Record<string, unknown>;
    return toAllowance(row);
  });
}

export function listGuardAllowances(store: StateStore): GuardAllowanceRecord[] {
  store.ensure(gatesSchema);
  return store.read((db) =>
    (db.prepare('SELECT * FROM guard_allowances ORDER BY id DESC').all() as Record<string, unknown>[]).map(
      toAllowance,
    ),
  );
}

/**
 * Records a decision, first spending a live allowance that covers it (same rule, tool and pattern, not
 * expired, uses left) in the same transaction: two racing calls cannot both use a single-use allowance.
 * Returns the allowance used, if any: the caller then lets the call through.
 */
export function recordWithAllowance(
  store: StateStore,
  input: GuardDecisionInput,
  allowanceRules: readonly string[],
): { id: number; allowance?: GuardAllowanceRecord } {
  store.ensure(gatesSchema);
  return store.write((db) => {
    const now = (input.at ?? new Date()).toISOString();
    let allowance: GuardAllowanceRecord | undefined;
    if (allowanceRules.length > 0 && input.decision !== 'allow') {
      const rows = db
        .prepare(`SELECT * FROM guard_allowances WHERE uses_left > 0 AND expires_at > ? ORDER BY id`)
        .all(now) as Record<string, unknown>[];
      allowance = rows
        .map(toAllowance)
        .find(
          (row) =>
            allowanceRules.includes(row.rule) &&
            (row.tool === null || row.tool === input.tool) &&
            (row.pattern === null || input.inputSummary.includes(row.pattern)),
        );
      if (allowance)
        db.prepare('UPDATE guard_allowances SET uses_left = uses_left - 1 WHERE id = ?').run(allowance.id);
    }
    // Whether any allowance is still live, for the hook's next refusal (guard-inbox.ts), decided inside
    // the transaction that a grant would have to wait for.
    if (onDisk(store) && input.decision !== 'allow') {
      const live = db
        .prepare('SELECT 1 FROM guard_allowances WHERE uses_left > 0 AND expires_at > ? LIMIT 1')
        .get(now);
      markAllowances(store.path, live !== undefined);
    }
    const id = insertDecision(db, allowance ? { ...input, allowanceId: allowance.id } : input);
    return allowance ? { id, allowance } : { id };
  });
}

/** How many tool calls the guard refused since `since` (an ISO time): the sweep's health figure. */
export function countGuardRefusalsSince(store: StateStore, since: string): number {
  store.ensure(gatesSchema);
  const pending = foldGuardInbox(store).filter((record) => record.at > since && record.decision === 'deny');
  const row = store.db
    .prepare("SELECT COUNT(*) AS n FROM guard_decisions WHERE at > ? AND decision = 'deny'")
    .get(since) as { n: number };
  return row.n + pending.length;
}
