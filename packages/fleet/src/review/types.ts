/**
 * What factory review knows about one open pull (GitHub) or merge (GitLab) request: a forge-neutral
 * snapshot read at one moment. The merge policy judges only this; the forge clients fill it.
 */
export type ForgeKind = 'github' | 'gitlab';

/** One check's outcome on one commit: a GitHub check run or commit status, a GitLab pipeline or job. */
export interface CheckResult {
  readonly name: string;
  readonly state: 'success' | 'failure' | 'pending' | 'neutral' | 'skipped';
  /** The commit the check ran on: only checks on the exact head SHA count. */
  readonly sha: string;
  readonly source: 'check-run' | 'status' | 'pipeline' | 'job';
}

export interface PullSnapshot {
  readonly forge: ForgeKind;
  /** `owner/name` on GitHub, the project path on GitLab. */
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly url: string;
  readonly author: string;
  readonly state: 'open' | 'closed' | 'merged';
  readonly draft: boolean;
  readonly headSha: string;
  readonly baseRef: string;
  readonly labels: readonly string[];
  /** Every path the change touches: both names of a rename or copy, deleted files too. */
  readonly changedFiles: readonly string[];
  /** How many files the forge listed, and how many it says the change has (undefined: it did not say). */
  readonly filesListed: number;
  readonly filesTotal: number | undefined;
  /**
   * Files changed without a line count (a rename or copy with no edit, a binary file, a mode change, a diff
   * too large to show): the size rule cannot measure them.
   */
  readonly unmeasuredFiles: readonly string[];
  readonly additions: number;
  readonly deletions: number;
  /** false: conflicts; undefined: the forge has not computed it yet. */
  readonly mergeable: boolean | undefined;
  /** false: the base moved on and the head does not contain it; undefined: unknown. */
  readonly upToDate: boolean | undefined;
  readonly checks: readonly CheckResult[];
  readonly approvals: number;
  /** Reviewers whose latest review asks for changes (GitHub's reviews, GitLab's reviewers); the loop sends such a request to rework. */
  readonly changesRequestedBy?: readonly string[];
}

/** The merge policy (config section `review`, schema core/src/config/schema/review.schema.json). */
export interface ReviewPolicy {
  readonly requiredChecks: 'all' | readonly string[];
  readonly blockingLabels: readonly string[];
  readonly authors: readonly string[];
  readonly maxChangedLines: number;
  readonly protectedPaths: readonly string[];
  readonly requiredApprovals: number;
  readonly requireUpToDate: boolean;
  readonly mergeMethod: 'merge' | 'squash' | 'rebase';
  /**
   * The check of `factory gate ci` that must be green on the exact head SHA (default `factory-gates`), or
   * false when the repository runs no factory check in CI.
   */
  readonly factoryCheck: string | false;
}

/**
 * - merge: every rule passed, factory may merge this head SHA
 * - wait: something is still running or being computed; ask again later
 * - human: only a person may merge this (protected paths, author, size, approvals)
 * - blocked: something is wrong (failing or missing checks, draft, label, conflicts, behind base)
 */
export type Verdict = 'merge' | 'wait' | 'human' | 'blocked';

export interface PolicyReason {
  readonly rule: string;
  readonly ok: boolean;
  /** What failed (the rule's verdict when not ok). */
  readonly verdict: Exclude<Verdict, 'merge'> | undefined;
  readonly message: string;
}

export interface PolicyDecision {
  readonly verdict: Verdict;
  readonly headSha: string;
  /** Every rule that was evaluated, passed or not, in a fixed order. */
  readonly reasons: readonly PolicyReason[];
}
