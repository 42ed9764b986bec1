import type { StatementSync } from 'node:sqlite';
import type { StateStore } from '@factory/core/state/store';
import { agentSchema } from './migrations/index.js';

/** How a work session ended. `crashed`: found unfinished by a later attempt (its process died). */
export type SessionOutcome = 'submitted' | 'failed' | 'blocked' | 'crashed';

/** What a session's stream said, reduced to the figures `factory task show` and the loop report. */
export interface SessionSummary {
  readonly turns: number;
  readonly costUsd: number;
  readonly toolCalls: number;
  /** Tool calls a hook (the guard) refused. */
  readonly refusals: number;
  /** Gate runs (commit and push hooks) recorded while the session ran, and how many of them said no. */
  readonly gateRuns: number;
  readonly gateFailures: number;
  readonly claudeVersion: string | undefined;
}

export interface WorkSession extends SessionSummary {
  readonly id: number;
  readonly taskId: number;
  readonly attempt: number;
  readonly owner: string;
  readonly startedAt: string;
  readonly endedAt: string | undefined;
  readonly outcome: SessionOutcome | undefined;
  readonly reason: string | undefined;
  /** The saved stream-json of the session. */
  readonly streamPath: string;
  readonly pid: number | undefined;
}

interface SessionRow {
  id: number;
  task_id: number;
  attempt: number;
  owner: string;
  started_at: number;
  ended_at: number | null;
  outcome: SessionOutcome | null;
  reason: string | null;
  stream_path: string;
  pid: number | null;
  turns: number;
  cost_usd: number;
  tool_calls: number;
  refusals: number;
  gate_runs: number;
  gate_failures: number;
  claude_version: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toSession(row: SessionRow): WorkSession {
  return {
    id: row.id,
    taskId: row.task_id,
    attempt: row.attempt,
    owner: row.owner,
    startedAt: iso(row.started_at),
    endedAt: row.ended_at === null ? undefined : iso(row.ended_at),
    outcome: opt(row.outcome),
    reason: opt(row.reason),
    streamPath: row.stream_path,
    pid: opt(row.pid),
    turns: row.turns,
    costUsd: row.cost_usd,
    toolCalls: row.tool_calls,
    refusals: row.refusals,
    gateRuns: row.gate_runs,
    gateFailures: row.gate_failures,
    claudeVersion: opt(row.claude_version),
  };
}

/**
 * The agent sessions `factory work` ran, in a repository's state database (agent's table `work_sessions`,
 * migration slot 6). Every write is its own BEGIN IMMEDIATE transaction.
 */
export class WorkSessions {
  constructor(
    readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {
    store.ensure(agentSchema);
  }

  private sql(text: string): StatementSync {
    return this.store.statement(text);
  }

  /** Records a session as started; sessions of the task still open are marked crashed first. */
  startSession(input: { taskId: number; attempt: number; owner: string; streamPath: string }): WorkSession {
    return this.store.write(() => {
      const now = this.now();
      this.sql(
        `UPDATE work_sessions SET ended_at = ?, outcome = 'crashed',
                reason = 'the session ended without a word (its process died or was killed)'
         WHERE task_id = ? AND ended_at IS NULL`,
      ).run(now, input.taskId);
      const result = this.sql(
        `INSERT INTO work_sessions (task_id, attempt, owner, started_at, stream_path) VALUES (?, ?, ?, ?, ?)`,
      ).run(input.taskId, input.attempt, input.owner, now, input.streamPath);
      return toSession(
        this.sql('SELECT * FROM work_sessions WHERE id = ?').get(
          Number(result.lastInsertRowid),
        ) as unknown as SessionRow,
      );
    });
  }

  setSessionPid(id: number, pid: number): void {
    this.store.write(() => this.sql('UPDATE work_sessions SET pid = ? WHERE id = ?').run(pid, id));
  }

  /** Ends a session with its outcome, reason and summary (an ended session is never rewritten). */
  endSession(id: number, outcome: SessionOutcome, reason: string | undefined, summary: SessionSummary): void {
    this.store.write(() =>
      this.sql(
        `UPDATE work_sessions SET ended_at = ?, outcome = ?, reason = ?, turns = ?, cost_usd = ?, tool_calls = ?,
                refusals = ?, gate_runs = ?, gate_failures = ?, claude_version = ?
         WHERE id = ? AND ended_at IS NULL`,
      ).run(
        this.now(),
        outcome,
        reason ?? null,
        summary.turns,
        summary.costUsd,
        summary.toolCalls,
        summary.refusals,
        summary.gateRuns,
        summary.gateFailures,
        summary.claudeVersion ?? null,
        id,
      ),
    );
  }

  sessions(taskId?: number): WorkSession[] {
    return this.store.read(() =>
      (taskId === undefined
        ? (this.sql('SELECT * FROM work_sessions ORDER BY id').all() as unknown as SessionRow[])
        : (this.sql('SELECT * FROM work_sessions WHERE task_id = ? ORDER BY id').all(
            taskId,
          ) as unknown as SessionRow[])
      ).map(toSession),
    );
  }
}
