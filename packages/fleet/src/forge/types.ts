import { messages } from '../messages.js';
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

/** What review and sweep need from a forge; GitHub (octokit) and GitLab (@gitbeaker/rest) implement it. */
export interface Forge {
  readonly kind: ForgeKind;
  /** `owner/name` or the GitLab project path. */
  readonly project: string;
  listOpen(): Promise<PullSummary[]>;
  snapshot(number: number): Promise<PullSnapshot>;
  /** Merges exactly `headSha`; never retried here after a 5xx. */
  merge(number: number, headSha: string, method: ReviewPolicy['mergeMethod']): Promise<MergeOutcome>;
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

/** A forge call that got no complete answer within FACTORY_FORGE_TIMEOUT_MS: whether it took effect is unknown. */
export class ForgeTimeoutError extends ForgeHttpError {
  constructor(
    readonly forge: string,
    readonly timeoutMs: number,
  ) {
    super('timeout', messages.forgeTimeout(forge, timeoutMs));
    this.name = 'ForgeTimeoutError';
  }
}
