import type { DatabaseSync } from 'node:sqlite';
import { ExitCode, FactoryError } from '@factory/core/errors';
import type { StateStore } from '@factory/core/state/store';
import { messages } from '../messages.js';
import type { PolicyDecision, PullSnapshot, Verdict } from '../review/types.js';
import { fleetSchema } from './migrations/index.js';

/**
 * The workflow of a pull/merge request as factory review sees it. Review moves it after every decision;
 * `merging` is written (compare-and-set) before the forge is asked to merge, so two reviewers, a crash or
 * a 5xx can never turn into a second merge of the same request.
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
const TRANSITIONS: Record<PullState, readonly PullState[]> = {
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

interface PullRow {
  forge: string;
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
  head_sha: string;
  state: PullState;
  merged_sha: string | null;
  first_seen: string;
  updated_at: string;
}

function toRecord(row: PullRow): PullRecord {
  return {
    forge: row.forge,
    repo: row.repo,
    number: row.number,
    title: row.title,
    url: row.url,
    author: row.author,
    headSha: row.head_sha,
    state: row.state,
    mergedSha: row.merged_sha ?? undefined,
    firstSeen: row.first_seen,
    updatedAt: row.updated_at,
  };
}

export function pullKey(pull: { forge: string; repo: string; number: number }): string {
  return `${pull.forge}:${pull.repo}#${pull.number}`;
}

/** The pull requests, decisions and merge attempts of one repository's state store. */
export class PullRequests {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    store.ensure(fleetSchema);
  }

  get(forge: string, repo: string, number: number): PullRecord | undefined {
    return this.store.read((db) => {
      const row = db
        .prepare('SELECT * FROM pull_requests WHERE forge = ? AND repo = ? AND number = ?')
        .get(forge, repo, number) as PullRow | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  list(): PullRecord[] {
    return this.store.read((db) =>
      (
        db.prepare('SELECT * FROM pull_requests ORDER BY forge, repo, number').all() as unknown as PullRow[]
      ).map(toRecord),
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
      const current = this.get(pull.forge, pull.repo, pull.number);
      const target: PullState =
        pull.state === 'merged'
          ? 'merged'
          : pull.state === 'closed'
            ? 'closed'
            : VERDICT_STATE[decision.verdict];
      if (!current) {
        db.prepare(
          `INSERT INTO pull_requests (forge, repo, number, title, url, author, head_sha, state, merged_sha, first_seen, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
        ).run(
          pull.forge,
          pull.repo,
          pull.number,
          pull.title,
          pull.url,
          pull.author,
          pull.headSha,
          target,
          at,
          at,
        );
      } else if (current.state !== 'merged' && current.state !== 'merging') {
        db.prepare(
          `UPDATE pull_requests SET title = ?, url = ?, author = ?, head_sha = ?, state = ?, updated_at = ?
           WHERE forge = ? AND repo = ? AND number = ?`,
        ).run(
          pull.title,
          pull.url,
          pull.author,
          pull.headSha,
          target,
          at,
          pull.forge,
          pull.repo,
          pull.number,
        );
      }
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
        `UPDATE pull_requests SET state = ?, head_sha = COALESCE(?, head_sha), merged_sha = COALESCE(?, merged_sha),
         updated_at = ? WHERE forge = ? AND repo = ? AND number = ? AND state = ?`,
      ).run(
        to,
        extra.headSha ?? null,
        extra.mergedSha ?? null,
        this.now().toISOString(),
        key.forge,
        key.repo,
        key.number,
        current.state,
      );
      return true;
    });
  }

  /** How many requests are in each state (the sweep's summary). */
  countsByState(): Record<string, number> {
    return this.store.read((db) => {
      const rows = db
        .prepare('SELECT state, COUNT(*) AS n FROM pull_requests GROUP BY state')
        .all() as Array<{
        state: string;
        n: number;
      }>;
      return Object.fromEntries(rows.map((row) => [row.state, row.n]));
    });
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
