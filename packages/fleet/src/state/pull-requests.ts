import type { DatabaseSync } from 'node:sqlite';
import { ExitCode, FactoryError } from '@factory/core/errors';
import type { StateStore } from '@factory/core/state/store';
import { type AddTaskInput, type Task, TaskStore } from '@factory/core/state/tasks';
import { WorkflowSet } from '@factory/core/workflow/workflow';
import { messages } from '../messages.js';
import type { PolicyDecision, PullSnapshot, Verdict } from '../review/types.js';
import { fleetSchema } from './migrations/index.js';

/**
 * A pull/merge request is one record: its task in the `pull-request` workflow (state, log, lease, key
 * `github:owner/repo#12`), with the forge snapshot factory review last read beside it
 * (`pull_request_snapshots`, keyed by the task) and every review decision (`review_decisions`).
 *
 * The review's view of a request, PullState, is the task's workflow state, refined where the workflow is
 * coarser than the review: `checking` is `waiting`, `changes-requested` is `blocked`, and `reviewing` is
 * `needs-human` or `merge-failed` (the snapshot row keeps which). Review moves the task after every decision;
 * `merging` is written (compare-and-set, in one transaction with the check) before the forge is asked to
 * merge, so two reviewers, a crash or a 5xx can never turn into a second merge of the same request.
 */
export type PullState =
  | 'open'
  | 'waiting'
  | 'needs-human'
  | 'blocked'
  | 'approved'
  | 'merging'
  | 'merged'
  | 'merge-failed'
  | 'closed';

export type ReviewAction = 'none' | 'dry-run' | 'merged' | 'merge-failed' | 'already-merged' | 'head-moved';

export interface PullRecord {
  /** The request's task in the `pull-request` workflow. */
  readonly taskId: number;
  /** The task's workflow state (PullState is its refinement). */
  readonly taskState: string;
  /** Why the last move of the task did not happen (a person holds the task), if it did not. */
  readonly note: string | null;
  readonly forge: string;
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly url: string;
  readonly author: string;
  readonly headSha: string;
  readonly state: PullState;
  readonly mergedSha: string | undefined;
  readonly firstSeen: string;
  readonly updatedAt: string;
}

export interface ReviewDecisionRecord {
  readonly id: number;
  readonly forge: string;
  readonly repo: string;
  readonly number: number;
  readonly headSha: string;
  readonly verdict: Verdict;
  readonly reasons: PolicyDecision['reasons'];
  readonly action: ReviewAction;
  readonly detail: string | undefined;
  readonly decidedAt: string;
}

const VERDICT_STATE: Record<Verdict, PullState> = {
  merge: 'approved',
  wait: 'waiting',
  human: 'needs-human',
  blocked: 'blocked',
};

/** Which states a request may move to from each state; `merged` and `closed` are final. */
export const TRANSITIONS: Record<PullState, readonly PullState[]> = {
  open: ['waiting', 'needs-human', 'blocked', 'approved', 'closed', 'merged'],
  waiting: ['waiting', 'needs-human', 'blocked', 'approved', 'closed', 'merged'],
  'needs-human': ['waiting', 'needs-human', 'blocked', 'approved', 'closed', 'merged'],
  blocked: ['waiting', 'needs-human', 'blocked', 'approved', 'closed', 'merged'],
  approved: ['waiting', 'needs-human', 'blocked', 'approved', 'merging', 'closed', 'merged'],
  merging: ['merged', 'merge-failed', 'closed'],
  'merge-failed': ['waiting', 'needs-human', 'blocked', 'approved', 'closed', 'merged'],
  merged: [],
  closed: ['open', 'waiting', 'needs-human', 'blocked', 'approved'],
};

const WORKFLOW = 'pull-request';
const ACTOR = 'factory-review';

/** The workflow state of the request's task that each review state stands for. */
const TASK_STATE: Record<PullState, string> = {
  open: 'open',
  waiting: 'checking',
  'needs-human': 'reviewing',
  blocked: 'changes-requested',
  approved: 'approved',
  merging: 'merging',
  merged: 'merged',
  'merge-failed': 'reviewing',
  closed: 'closed',
};

/** The review state a task state means when the snapshot does not refine it (a person moved the task). */
const DEFAULT_REVIEW_STATE: Record<string, PullState> = {
  open: 'open',
  checking: 'waiting',
  reviewing: 'needs-human',
  'changes-requested': 'blocked',
  approved: 'approved',
  merging: 'merging',
  merged: 'merged',
  closed: 'closed',
};

function reviewState(taskState: string, refined: string | null): PullState {
  if (refined && TASK_STATE[refined as PullState] === taskState) return refined as PullState;
  return DEFAULT_REVIEW_STATE[taskState] ?? 'open';
}

interface SnapshotRow {
  task_id: number;
  forge: string;
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
  head_sha: string;
  review_state: string | null;
  merged_sha: string | null;
  first_seen: string;
  updated_at: string;
}

export function pullKey(pull: { forge: string; repo: string; number: number }): string {
  return `${pull.forge}:${pull.repo}#${pull.number}`;
}

/** The shortest chain of the workflow's events from `from` to `to` (unguarded transitions), or undefined. */
export function pathOf(workflows: WorkflowSet, from: string, to: string): string[] | undefined {
  const workflow = workflows.find(WORKFLOW);
  if (!workflow) return undefined;
  const transitions = workflow.transitions();
  const queue: Array<{ state: string; events: string[] }> = [{ state: from, events: [] }];
  const seen = new Set([from]);
  while (queue.length > 0) {
    const { state, events } = queue.shift()!;
    if (state === to) return events;
    for (const t of transitions) {
      if (t.from !== state || seen.has(t.to) || t.guard) continue;
      seen.add(t.to);
      queue.push({ state: t.to, events: [...events, t.event] });
    }
  }
  return undefined;
}

/** The task that carries a pull request, the same in the repository's record and on the team's PostgreSQL. */
export function pullTaskInput(pull: {
  forge: string;
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
}): AddTaskInput {
  const key = pullKey(pull);
  return {
    title: pull.title || key,
    workflow: WORKFLOW,
    key,
    data: { url: pull.url, author: pull.author },
    actor: ACTOR,
  };
}

/** The events from `from` to `target` in the pull-request workflow, or the note that there is no way. */
export function pullTaskPath(
  workflows: WorkflowSet,
  from: string,
  target: string,
): { events: string[] } | { note: string } {
  const events = pathOf(workflows, from, target);
  return events ? { events } : { note: `no way from ${from} to ${target}` };
}

/** The pull requests of one repository's state store: tasks, snapshots and decisions, read and moved as one. */
export class PullRequests {
  private readonly tasks: TaskStore;
  /** Why the last move of each request's task did not happen, by key, for the record read next. */
  private readonly notes = new Map<string, string>();

  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    store.ensure(fleetSchema);
    this.tasks = new TaskStore(store, {
      workflows: WorkflowSet.defaults(),
      clock: () => this.now().getTime(),
    });
    this.adoptLegacyRows();
  }

  get(forge: string, repo: string, number: number): PullRecord | undefined {
    return this.store.read((db) => {
      const row = db
        .prepare('SELECT * FROM pull_request_snapshots WHERE forge = ? AND repo = ? AND number = ?')
        .get(forge, repo, number) as SnapshotRow | undefined;
      return row ? this.toRecord(row) : undefined;
    });
  }

  list(): PullRecord[] {
    return this.store.read((db) =>
      (
        db
          .prepare('SELECT * FROM pull_request_snapshots ORDER BY forge, repo, number')
          .all() as unknown as SnapshotRow[]
      ).map((row) => this.toRecord(row)),
    );
  }

  /**
   * Records a decision and moves the request to the state its verdict means. A request already
   * `merged` stays merged; one in `merging` is left to the merge in flight (its outcome decides).
   */
  recordDecision(
    pull: PullSnapshot,
    decision: PolicyDecision,
    action: ReviewAction,
    detail?: string,
  ): PullRecord {
    return this.store.write((db) => {
      const at = this.now().toISOString();
      insertDecision(db, pull, decision, action, detail, at);
      let current = this.get(pull.forge, pull.repo, pull.number);
      if (!current) {
        this.createRecord(db, {
          forge: pull.forge,
          repo: pull.repo,
          number: pull.number,
          title: pull.title,
          url: pull.url,
          author: pull.author,
          head_sha: pull.headSha,
          review_state: null,
          merged_sha: null,
          first_seen: at,
          updated_at: at,
        });
        current = this.get(pull.forge, pull.repo, pull.number)!;
      }
      if (current.state === 'merged' || current.state === 'merging') return current;
      const target: PullState =
        pull.state === 'merged'
          ? 'merged'
          : pull.state === 'closed'
            ? 'closed'
            : VERDICT_STATE[decision.verdict];
      db.prepare(
        `UPDATE pull_request_snapshots SET title = ?, url = ?, author = ?, head_sha = ?, review_state = ?,
           updated_at = ? WHERE task_id = ?`,
      ).run(pull.title, pull.url, pull.author, pull.headSha, target, at, current.taskId);
      this.moveTask(current.taskId, TASK_STATE[target], detail ?? decisionReason(decision), pullKey(pull));
      return this.get(pull.forge, pull.repo, pull.number)!;
    });
  }

  /**
   * Compare-and-set: moves the request from `from` (one of them) to `to`. Returns false, changing
   * nothing, when it is in another state: someone else moved it first.
   */
  move(
    key: { forge: string; repo: string; number: number },
    from: readonly PullState[],
    to: PullState,
    extra: { headSha?: string; mergedSha?: string } = {},
  ): boolean {
    return this.store.write((db) => {
      const current = this.get(key.forge, key.repo, key.number);
      if (!current || !from.includes(current.state)) return false;
      if (!TRANSITIONS[current.state].includes(to)) {
        throw new FactoryError(
          messages.pullTransitionRefused(pullKey(key), current.state, to),
          ExitCode.usage,
        );
      }
      db.prepare(
        `UPDATE pull_request_snapshots SET review_state = ?, head_sha = COALESCE(?, head_sha),
           merged_sha = COALESCE(?, merged_sha), updated_at = ? WHERE task_id = ?`,
      ).run(to, extra.headSha ?? null, extra.mergedSha ?? null, this.now().toISOString(), current.taskId);
      this.moveTask(current.taskId, TASK_STATE[to], `${current.state} -> ${to}`, pullKey(key));
      return true;
    });
  }

  /** How many requests are in each state (the sweep's summary). */
  countsByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const pull of this.list()) counts[pull.state] = (counts[pull.state] ?? 0) + 1;
    return counts;
  }

  /** How many review decisions were recorded since `since` (an ISO time). */
  decisionsSince(since: string): number {
    return this.store.read(
      (db) =>
        (
          db.prepare('SELECT COUNT(*) AS n FROM review_decisions WHERE decided_at > ?').get(since) as {
            n: number;
          }
        ).n,
    );
  }

  /** Appends an outcome (merged, merge-failed, head-moved...) to the decision history. */
  recordOutcome(pull: PullSnapshot, decision: PolicyDecision, action: ReviewAction, detail?: string): void {
    this.store.write((db) => insertDecision(db, pull, decision, action, detail, this.now().toISOString()));
  }

  decisions(key?: { forge: string; repo: string; number: number }): ReviewDecisionRecord[] {
    return this.store.read((db) => {
      const rows = (key
        ? db
            .prepare('SELECT * FROM review_decisions WHERE forge = ? AND repo = ? AND number = ? ORDER BY id')
            .all(key.forge, key.repo, key.number)
        : db.prepare('SELECT * FROM review_decisions ORDER BY id').all()) as unknown as Array<{
        id: number;
        forge: string;
        repo: string;
        number: number;
        head_sha: string;
        verdict: Verdict;
        reasons: string;
        action: ReviewAction;
        detail: string | null;
        decided_at: string;
      }>;
      return rows.map((row) => ({
        id: row.id,
        forge: row.forge,
        repo: row.repo,
        number: row.number,
        headSha: row.head_sha,
        verdict: row.verdict,
        reasons: JSON.parse(row.reasons) as PolicyDecision['reasons'],
        action: row.action,
        detail: row.detail ?? undefined,
        decidedAt: row.decided_at,
      }));
    });
  }

  private toRecord(row: SnapshotRow): PullRecord {
    const task = this.tasks.get(row.task_id);
    return {
      taskId: task.id,
      taskState: task.state,
      note: this.notes.get(pullKey(row)) ?? null,
      forge: row.forge,
      repo: row.repo,
      number: row.number,
      title: row.title,
      url: row.url,
      author: row.author,
      headSha: row.head_sha,
      state: reviewState(task.state, row.review_state),
      mergedSha: row.merged_sha ?? undefined,
      firstSeen: row.first_seen,
      updatedAt: row.updated_at,
    };
  }

  /** A new request's record: its task in the pull-request workflow, and its snapshot beside it. */
  private createRecord(db: DatabaseSync, row: Omit<SnapshotRow, 'task_id'>): Task {
    const { task } = this.tasks.add(pullTaskInput(row));
    db.prepare(
      `INSERT INTO pull_request_snapshots (task_id, forge, repo, number, title, url, author, head_sha,
         review_state, merged_sha, first_seen, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      task.id,
      row.forge,
      row.repo,
      row.number,
      row.title,
      row.url,
      row.author,
      row.head_sha,
      row.review_state,
      row.merged_sha,
      row.first_seen,
      row.updated_at,
    );
    return task;
  }

  /**
   * Moves the request's task along its workflow to `target` (inside the caller's write transaction, so the
   * check that allowed it still holds). Best effort: a move the task store refuses (a person holds the
   * task) is kept as the record's note, never thrown.
   */
  private moveTask(taskId: number, target: string, reason: string, key: string): void {
    this.notes.delete(key);
    let task: Task = this.tasks.get(taskId);
    if (task.state === target) return;
    const path = pullTaskPath(this.tasks.workflows, task.state, target);
    if ('note' in path) {
      this.notes.set(key, path.note);
      return;
    }
    try {
      for (const event of path.events) {
        task = this.tasks.move(task.id, event, { actor: ACTOR, expectState: task.state, reason }).task;
      }
    } catch (error) {
      this.notes.set(key, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Databases from before the pull request was one record kept a `pull_requests` table beside the task
   * (fleet migration 3 renamed it `pull_requests_legacy`): each row becomes the snapshot of its task (the
   * task is created when review never mirrored it), then the table is dropped. Runs once, on first use.
   */
  private adoptLegacyRows(): void {
    const legacy = this.store.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pull_requests_legacy'")
      .get();
    if (!legacy) return;
    this.store.write((db) => {
      const rows = db.prepare('SELECT * FROM pull_requests_legacy').all() as unknown as Array<
        Omit<SnapshotRow, 'task_id' | 'review_state'> & { state: PullState }
      >;
      for (const { state, ...row } of rows) {
        const task = this.createRecord(db, { ...row, review_state: state });
        this.moveTask(task.id, TASK_STATE[state], 'adopted from the pull_requests table', pullKey(row));
      }
      db.exec('DROP TABLE pull_requests_legacy');
    });
  }
}

/** One row of the append-only decision history. */
function insertDecision(
  db: DatabaseSync,
  pull: PullSnapshot,
  decision: PolicyDecision,
  action: ReviewAction,
  detail: string | undefined,
  at: string,
): void {
  db.prepare(
    `INSERT INTO review_decisions (forge, repo, number, head_sha, verdict, reasons, action, detail, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    pull.forge,
    pull.repo,
    pull.number,
    decision.headSha,
    decision.verdict,
    JSON.stringify(decision.reasons),
    action,
    detail ?? null,
    at,
  );
}

/** The first failed rule's message, or that every rule passed: the reason logged with the task's move. */
function decisionReason(decision: PolicyDecision): string {
  return decision.reasons.find((r) => !r.ok)?.message ?? 'every rule of the merge policy passed';
}
