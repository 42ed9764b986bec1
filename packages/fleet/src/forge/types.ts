import type { ForgeKind, PullSnapshot, ReviewPolicy } from '../review/types.js';

/** One open request as the list endpoint shows it: enough to decide what to read in full. */
export interface PullSummary {
  readonly number: number;
  readonly title: string;
  readonly headSha: string;
  readonly draft: boolean;
}

export type MergeOutcome =
  | { readonly kind: 'merged'; readonly sha: string | undefined }
  /** The forge refused because the head is no longer the SHA we named: nothing was merged. */
  | { readonly kind: 'head-moved'; readonly detail: string }
  | { readonly kind: 'not-mergeable'; readonly status: number; readonly detail: string }
  /** A 5xx or a lost connection: the merge may or may not have happened; re-read before anything else. */
  | { readonly kind: 'server-error'; readonly status: number | string; readonly detail: string };

/** A request the loop opened or found again: enough to record it and to follow it. */
export interface RequestRef {
  readonly number: number;
  readonly url: string;
  readonly headSha: string;
  readonly state: 'open' | 'merged' | 'closed';
}

export interface RequestInput {
  /** The source branch (pushed to the same repository). */
  readonly branch: string;
  /** The target branch. */
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

/** An open issue the loop may turn into a task. */
export interface IssueRef {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly url: string;
}

/** What review and sweep need from a forge; GitHub (octokit) and GitLab (@gitbeaker/rest) implement it. */
export interface Forge {
  readonly kind: ForgeKind;
  /** `owner/name` or the GitLab project path. */
  readonly project: string;
  listOpen(): Promise<PullSummary[]>;
  snapshot(number: number): Promise<PullSnapshot>;
  /** Merges exactly `headSha`; never retried here after a 5xx. */
  merge(number: number, headSha: string, method: ReviewPolicy['mergeMethod']): Promise<MergeOutcome>;
  /** The newest request whose source is `branch`, in any state, or undefined: how the loop finds its own. */
  findByBranch(branch: string): Promise<RequestRef | undefined>;
  /** Opens a request; never retried after a 5xx (the caller looks for it by branch first). */
  openRequest(input: RequestInput): Promise<RequestRef>;
  /** Open issues (not pull requests) with this label, or assigned to this user. */
  listIssues(filter: { readonly label?: string; readonly assignee?: string }): Promise<IssueRef[]>;
  /** Rewrites an open request's title and description. */
  updateRequest(number: number, input: Pick<RequestInput, 'title' | 'body'>): Promise<RequestRef>;
}

/** An HTTP failure of a forge call, with the status and the forge's short message: never headers. */
export class ForgeHttpError extends Error {
  constructor(
    readonly status: number | string,
    readonly detail: string,
  ) {
    super(`${status}: ${detail}`);
    this.name = 'ForgeHttpError';
  }
}
