import type { StatementSync } from 'node:sqlite';
import type { StateStore } from './store.js';

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

export type WorkRequestState = 'pushing' | 'open' | 'merged' | 'closed';

/** The pull/merge request a task opened in one repository. */
export interface WorkRequest {
  readonly taskId: number;
  readonly repoPath: string;
  readonly forge: 'github' | 'gitlab';
  readonly project: string;
  readonly branch: string;
  readonly number: number | undefined;
  readonly url: string | undefined;
  readonly headSha: string | undefined;
  readonly state: WorkRequestState;
  /** The head SHA whose failing checks or requested changes already sent the task back to work. */
  readonly reworkedSha: string | undefined;
  readonly updatedAt: string;
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

interface RequestRow {
  task_id: number;
  repo_path: string;
  forge: 'github' | 'gitlab';
  project: string;
  branch: string;
  number: number | null;
  url: string | null;
  head_sha: string | null;
  state: WorkRequestState;
  reworked_sha: string | null;
  updated_at: number;
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

function toRequest(row: RequestRow): WorkRequest {
  return {
    taskId: row.task_id,
    repoPath: row.repo_path,
    forge: row.forge,
    project: row.project,
    branch: row.branch,
    number: opt(row.number),
    url: opt(row.url),
    headSha: opt(row.head_sha),
    state: row.state,
    reworkedSha: opt(row.reworked_sha),
    updatedAt: iso(row.updated_at),
  };
}

/**
 * The loop's records in a repository's state database: work sessions and the requests tasks opened.
 * Every write is its own BEGIN IMMEDIATE transaction; request rows are written before the forge is called
 * (`pushing`), so a crash in between leaves a row that says where to look.
 */
export class WorkRecords {
  private readonly statements = new Map<string, StatementSync>();

  constructor(
    readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.store.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
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

  /** The request row of a task in a repository, created as `pushing` when missing. */
  beginRequest(input: {
    taskId: number;
    repoPath: string;
    forge: 'github' | 'gitlab';
    project: string;
    branch: string;
  }): WorkRequest {
    return this.store.write(() => {
      const existing = this.sql('SELECT * FROM work_requests WHERE task_id = ? AND repo_path = ?').get(
        input.taskId,
        input.repoPath,
      ) as RequestRow | undefined;
      if (existing) return toRequest(existing);
      this.sql(
        `INSERT INTO work_requests (task_id, repo_path, forge, project, branch, state, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pushing', ?)`,
      ).run(input.taskId, input.repoPath, input.forge, input.project, input.branch, this.now());
      return toRequest(
        this.sql('SELECT * FROM work_requests WHERE task_id = ? AND repo_path = ?').get(
          input.taskId,
          input.repoPath,
        ) as unknown as RequestRow,
      );
    });
  }

  /** Records what the forge answered: the request's number, address and head. */
  recordRequest(
    taskId: number,
    repoPath: string,
    fields: { number: number; url: string; headSha: string; state: WorkRequestState },
  ): void {
    this.store.write(() =>
      this.sql(
        `UPDATE work_requests SET number = ?, url = ?, head_sha = ?, state = ?, updated_at = ?
         WHERE task_id = ? AND repo_path = ?`,
      ).run(fields.number, fields.url, fields.headSha, fields.state, this.now(), taskId, repoPath),
    );
  }

  /** Moves a request to merged or closed; false when it was there already. */
  settleRequest(taskId: number, repoPath: string, state: 'merged' | 'closed'): boolean {
    return this.store.write(
      () =>
        this.sql(
          `UPDATE work_requests SET state = ?, updated_at = ? WHERE task_id = ? AND repo_path = ? AND state != ?`,
        ).run(state, this.now(), taskId, repoPath, state).changes === 1,
    );
  }

  /**
   * Notes that the head `sha` of a request sent its task back to work (failing checks, requested changes).
   * Compare-and-set: false when that head was handled already, which is the scanners' idempotency key.
   */
  markReworked(taskId: number, repoPath: string, sha: string): boolean {
    return this.store.write(
      () =>
        this.sql(
          `UPDATE work_requests SET reworked_sha = ?, updated_at = ?
           WHERE task_id = ? AND repo_path = ? AND (reworked_sha IS NULL OR reworked_sha != ?)`,
        ).run(sha, this.now(), taskId, repoPath, sha).changes === 1,
    );
  }

  requests(taskId?: number): WorkRequest[] {
    return this.store.read(() =>
      (taskId === undefined
        ? (this.sql(
            'SELECT * FROM work_requests ORDER BY task_id, repo_path',
          ).all() as unknown as RequestRow[])
        : (this.sql('SELECT * FROM work_requests WHERE task_id = ? ORDER BY repo_path').all(
            taskId,
          ) as unknown as RequestRow[])
      ).map(toRequest),
    );
  }
}
