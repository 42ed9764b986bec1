import { openRepositoryState } from '@factory/core/state/repository';
import type { WorkflowStore } from '@factory/core/state/workflow-store';
import type { Forge } from '../forge/types.js';
import { PullRequests, type ReviewAction } from '../state/pull-requests.js';
import { evaluatePolicy } from './policy.js';
import { claimPullMerge, movePullTask, targetState } from './pull-task.js';
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
  /**
   * The team's shared workflow tasks (PostgreSQL, FACTORY_STATE_URL): the pull-request tasks go there, and
   * a merge first wins the task's move to `merging` there, so reviewers on several machines never merge one
   * request twice. The repository's own record of each request (its task, snapshot and decisions in
   * state.db) is kept either way.
   */
  readonly shared?: WorkflowStore;
}): Promise<ReviewRepoResult> {
  const policy = options.policy;
  const state = openRepositoryState(options.repoPath);
  const pulls = new PullRequests(state.store);
  const shared = options.shared;
  const entries: ReviewEntry[] = [];
  try {
    const open = await options.forge.listOpen();
    for (const summary of open.sort((a, b) => a.number - b.number)) {
      if (options.only && !options.only(summary.number)) continue;
      const snapshot = await options.forge.snapshot(summary.number);
      const decision = evaluatePolicy(snapshot, policy);
      const entry = async (
        action: ReviewAction,
        detail: string | null,
        d: PolicyDecision = decision,
        s = snapshot,
      ) => {
        const task = shared ? await moveSharedTask(shared, s, d, action, detail) : localTask(pulls, s);
        entries.push({
          task: { id: task.taskId, state: task.state, note: task.note },
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
        await entry(action, null);
        continue;
      }
      const recorded = pulls.recordDecision(snapshot, decision, 'none');
      if (recorded.state === 'merged') {
        await entry('already-merged', 'recorded as merged before');
        continue;
      }
      const outcome = await mergeWithCare(options.forge, pulls, shared, snapshot, decision, policy);
      await entry(outcome.action, outcome.detail, outcome.decision, outcome.snapshot);
    }
    return { repo: options.repoName, entries, error: null };
  } finally {
    state.close();
  }
}

async function mergeWithCare(
  forge: Forge,
  pulls: PullRequests,
  shared: WorkflowStore | undefined,
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
    // On the team's shared tasks (FACTORY_STATE_URL) the request's task must first move to `merging`,
    // compare-and-set: a reviewer on another machine, whose own SQLite record below cannot be seen here,
    // may have won it.
    if (shared && !(await claimPullMerge(shared, snapshot, decision.headSha))) {
      return { action: 'none', detail: 'left alone: another reviewer is merging it', decision, snapshot };
    }
    // Compare-and-set before the forge is called: a second reviewer (or a re-run) finds `merging`.
    if (!pulls.move(key, ['approved'], 'merging', { headSha: decision.headSha })) {
      const current = pulls.get(key.forge, key.repo, key.number);
      // The shared task won above is handed back: this reviewer does not merge.
      if (shared) await movePullTask(shared, snapshot, 'reviewing', 'left alone: not approved in this clone');
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
        // Still open, same head, still allowed: one more merge call, naming the same SHA. This reviewer
        // holds the task in `merging`: it hands it back to `approved` itself before claiming it again.
        pulls.move(key, ['merge-failed', 'approved'], 'approved');
        if (shared)
          await movePullTask(shared, reread, 'approved', `retrying the merge of ${decision.headSha}`);
        snapshot = reread;
        decision = again;
        break;
      }
    }
  }
  return { action: 'merge-failed', detail: 'no more attempts', decision, snapshot };
}

/** The request's own record (its task in state.db), which the decisions and outcomes recorded moved. */
function localTask(
  pulls: PullRequests,
  pull: PullSnapshot,
): { taskId: number; state: string; note: string | null } {
  const record = pulls.get(pull.forge, pull.repo, pull.number);
  return { taskId: record?.taskId ?? 0, state: record?.taskState ?? 'unknown', note: record?.note ?? null };
}

/** The team's shared task of the request (PostgreSQL), moved to where this review left the request. */
function moveSharedTask(
  shared: WorkflowStore,
  pull: PullSnapshot,
  decision: PolicyDecision,
  action: ReviewAction,
  detail: string | null,
): Promise<{ taskId: number; state: string; note: string | null }> {
  const reason = decision.reasons.find((r) => !r.ok)?.message ?? 'every rule of the merge policy passed';
  // A request this reviewer left alone may be another reviewer's to merge: its `merging` is kept.
  const keep = action === 'none' ? ['merging'] : [];
  return movePullTask(shared, pull, targetState(pull, decision.verdict, action), detail ?? reason, keep);
}
