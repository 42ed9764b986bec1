import type { StatementSync } from 'node:sqlite';
import type { StateStore } from '@factory/core/state/store';
import { fleetSchema } from './migrations/index.js';

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
 * The requests the loop opened, one per task and repository (fleet's table `work_requests`, migration
 * slot 6). A row is written before the forge is called (`pushing`), so a crash in between leaves a row that
 * says where to look; the forge is then asked for a request from the task's branch before one is opened.
 */
export class WorkRequests {
  constructor(
    readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {
    store.ensure(fleetSchema);
  }

  private sql(text: string): StatementSync {
    return this.store.statement(text);
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
