import { openRepositoryState } from '@factory/core/state/repository';
import type { Forge } from '../forge/types.js';
import { PullRequests, type ReviewAction } from '../state/pull-requests.js';
import { evaluatePolicy } from './policy.js';
import type { PolicyDecision, PullSnapshot, ReviewPolicy, Verdict } from './types.js';

export interface ReviewEntry {
  readonly repo: string;
  readonly forge: string;
  readonly project: string;
  readonly number: number;
  readonly title: string;
  readonly url: string;
  readonly author: string;
  readonly headSha: string;
  readonly verdict: Verdict;
  readonly action: ReviewAction;
  readonly detail: string | null;
  readonly reasons: PolicyDecision['reasons'];
  /** The request's task in the `pull-request` workflow, after this review moved it. */
  readonly task: { readonly id: number; readonly state: string; readonly note: string | null };
}

export interface ReviewRepoResult {
  readonly repo: string;
  readonly entries: ReviewEntry[];
  readonly error: string | null;
}

/** At most this many merge calls per request and run: the first, and one more after a re-read. */
const MAX_MERGE_CALLS = 2;

/**
 * Reviews every open request of one repository: reads a fresh snapshot, applies the policy, records the
 * decision with all its reasons in the repository's state store, and merges only what the policy allows
 * when `merge` is set. The merge names the head SHA the policy judged; after a server error the request is
 * read again and the policy applied again before another merge call is even considered.
 */
export async function reviewRepository(options: {
  readonly repoName: string;
  readonly repoPath: string;
  readonly forge: Forge;
  readonly policy: ReviewPolicy;
  readonly merge: boolean;
  /** Only the requests this says yes to (the loop reviews the requests it opened, and only those). */
  readonly only?: (number: number) => boolean;
}): Promise<ReviewRepoResult> {
  const policy = options.policy;
  const state = openRepositoryState(options.repoPath);
  const pulls = new PullRequests(state.store);
  const entries: ReviewEntry[] = [];
  try {
    const open = await options.forge.listOpen();
    for (const summary of open.sort((a, b) => a.number - b.number)) {
      if (options.only && !options.only(summary.number)) continue;
      const snapshot = await options.forge.snapshot(summary.number);
      const decision = evaluatePolicy(snapshot, policy);
      const entry = (
        action: ReviewAction,
        detail: string | null,
        d: PolicyDecision = decision,
        s = snapshot,
      ) => {
        // The request's record (its task) was moved by the decisions and outcomes recorded above.
        const record = pulls.get(s.forge, s.repo, s.number);
        entries.push({
          task: {
            id: record?.taskId ?? 0,
            state: record?.taskState ?? 'unknown',
            note: record?.note ?? null,
          },
          repo: options.repoName,
          forge: options.forge.kind,
          project: options.forge.project,
          number: s.number,
          title: s.title,
          url: s.url,
          author: s.author,
          headSha: d.headSha,
          verdict: d.verdict,
          action,
          detail,
          reasons: d.reasons,
        });
      };
      if (decision.verdict !== 'merge' || !options.merge) {
        const action: ReviewAction = decision.verdict === 'merge' ? 'dry-run' : 'none';
        pulls.recordDecision(snapshot, decision, action);
        entry(action, null);
        continue;
      }
      const recorded = pulls.recordDecision(snapshot, decision, 'none');
      if (recorded.state === 'merged') {
        entry('already-merged', 'recorded as merged before');
        continue;
      }
      const outcome = await mergeWithCare(options.forge, pulls, snapshot, decision, policy);
      entry(outcome.action, outcome.detail, outcome.decision, outcome.snapshot);
    }
    return { repo: options.repoName, entries, error: null };
  } finally {
    state.close();
  }
}

async function mergeWithCare(
  forge: Forge,
  pulls: PullRequests,
  first: PullSnapshot,
  firstDecision: PolicyDecision,
  policy: ReviewPolicy,
): Promise<{
  action: ReviewAction;
  detail: string | null;
  decision: PolicyDecision;
  snapshot: PullSnapshot;
}> {
  let snapshot = first;
  let decision = firstDecision;
  const key = { forge: snapshot.forge, repo: snapshot.repo, number: snapshot.number };
  for (let call = 1; call <= MAX_MERGE_CALLS; call++) {
    // Compare-and-set before the forge is called: a second reviewer (or a re-run) finds `merging`.
    if (!pulls.move(key, ['approved'], 'merging', { headSha: decision.headSha })) {
      const current = pulls.get(key.forge, key.repo, key.number);
      return {
        action: 'none',
        detail: `left alone: state is ${current?.state ?? 'unknown'}`,
        decision,
        snapshot,
      };
    }
    const outcome = await forge.merge(snapshot.number, decision.headSha, policy.mergeMethod);
    switch (outcome.kind) {
      case 'merged':
        pulls.move(key, ['merging'], 'merged', outcome.sha ? { mergedSha: outcome.sha } : {});
        pulls.recordOutcome(
          snapshot,
          decision,
          'merged',
          outcome.sha ? `merge commit ${outcome.sha}` : undefined,
        );
        return { action: 'merged', detail: outcome.sha ?? null, decision, snapshot };
      case 'head-moved':
        pulls.move(key, ['merging'], 'merge-failed');
        pulls.recordOutcome(snapshot, decision, 'head-moved', outcome.detail);
        return { action: 'head-moved', detail: outcome.detail, decision, snapshot };
      case 'not-mergeable':
        pulls.move(key, ['merging'], 'merge-failed');
        pulls.recordOutcome(snapshot, decision, 'merge-failed', `${outcome.status}: ${outcome.detail}`);
        return { action: 'merge-failed', detail: `${outcome.status}: ${outcome.detail}`, decision, snapshot };
      case 'server-error': {
        // The merge may have happened. Read the request again before anything else.
        const detail = `${outcome.status}: ${outcome.detail}`;
        pulls.recordOutcome(
          snapshot,
          decision,
          'merge-failed',
          `server error on merge (${detail}); re-reading`,
        );
        const reread = await forge.snapshot(snapshot.number);
        if (reread.state === 'merged') {
          pulls.move(key, ['merging'], 'merged');
          pulls.recordOutcome(reread, decision, 'merged', `merged despite the server error (${detail})`);
          return {
            action: 'merged',
            detail: `merged despite the server error (${detail})`,
            decision,
            snapshot: reread,
          };
        }
        pulls.move(key, ['merging'], 'merge-failed');
        const again = evaluatePolicy(reread, policy);
        pulls.recordDecision(reread, again, 'none');
        if (again.verdict !== 'merge' || reread.headSha !== decision.headSha || call === MAX_MERGE_CALLS) {
          const why =
            reread.headSha !== decision.headSha
              ? 'the head moved'
              : again.verdict !== 'merge'
                ? `the policy now says ${again.verdict}`
                : 'no more attempts';
          return {
            action: 'merge-failed',
            detail: `${detail}; not retried: ${why}`,
            decision: again,
            snapshot: reread,
          };
        }
        // Still open, same head, still allowed: one more merge call, naming the same SHA.
        pulls.move(key, ['merge-failed', 'approved'], 'approved');
        snapshot = reread;
        decision = again;
        break;
      }
    }
  }
  return { action: 'merge-failed', detail: 'no more attempts', decision, snapshot };
}
