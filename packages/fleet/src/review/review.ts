import { openRepositoryState } from '@factory/core/state/repository';
import type { WorkflowStore } from '@factory/core/state/workflow-store';
import type { Forge } from '../forge/types.js';
import { messages } from '../messages.js';
import { PullRequests, pullKey, type ReviewAction } from '../state/pull-requests.js';
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
 * How long a request may stay in `merging` before a review takes it for the trace of a reviewer that died
 * between recording `merging` and hearing the forge's answer (FACTORY_MERGING_STALE_SECONDS, default 600:
 * far longer than a merge call may take, its rate-limit waits and the re-read after a 5xx included).
 */
export function mergingStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.FACTORY_MERGING_STALE_SECONDS;
  const seconds = value === undefined || value === '' ? Number.NaN : Number(value);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 600) * 1000;
}

/**
 * Test-only (FACTORY_TEST_PAUSE_MERGING=FILE): once `merging` is recorded, write FILE and wait instead of
 * calling the forge, so that a test can SIGKILL the reviewer in the crash window. Never set it otherwise.
 */
async function pauseForTest(env: NodeJS.ProcessEnv, number: number): Promise<void> {
  const file = env.FACTORY_TEST_PAUSE_MERGING;
  if (!file) return;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, `${number}\n`);
  await new Promise((resolve) => setTimeout(resolve, 3_600_000));
}

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
  /** FACTORY_MERGING_STALE_SECONDS and the test-only pause (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}): Promise<ReviewRepoResult> {
  const policy = options.policy;
  const env = options.env ?? process.env;
  const state = openRepositoryState(options.repoPath);
  const pulls = new PullRequests(state.store);
  const shared = options.shared;
  const entries: ReviewEntry[] = [];
  try {
    entries.push(
      ...(await recoverStaleMerges(
        options.repoName,
        options.forge,
        pulls,
        shared,
        policy,
        env,
        options.only,
      )),
    );
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
      const outcome = await mergeWithCare(options.forge, pulls, shared, snapshot, decision, policy, env);
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
  env: NodeJS.ProcessEnv,
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
    if (shared) await releaseStaleSharedMerge(shared, snapshot, env);
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
    await pauseForTest(env, snapshot.number);
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

/**
 * A request left in `merging` longer than a merge can take is the trace of a reviewer that died between
 * recording `merging` and hearing the forge's answer (a crash, a SIGKILL). The forge says how it ended:
 * merged (recorded as merged), closed (recorded as closed), still open with the same head (back to
 * `approved`, so the review below applies the policy again and merges when it allows: the merge call names
 * the same head SHA, so it can never merge anything else), or open with a new head (`merge-failed`, and
 * the review below judges the new head). The team's shared task (FACTORY_STATE_URL) is moved with it.
 */
async function recoverStaleMerges(
  repoName: string,
  forge: Forge,
  pulls: PullRequests,
  shared: WorkflowStore | undefined,
  policy: ReviewPolicy,
  env: NodeJS.ProcessEnv,
  only: ((number: number) => boolean) | undefined,
): Promise<ReviewEntry[]> {
  const staleBefore = Date.now() - mergingStaleMs(env);
  const entries: ReviewEntry[] = [];
  for (const record of pulls.list()) {
    if (record.state !== 'merging' || record.forge !== forge.kind || record.repo !== forge.project) continue;
    if (only && !only(record.number)) continue;
    if (Date.parse(record.updatedAt) > staleBefore) continue;
    const key = { forge: record.forge, repo: record.repo, number: record.number };
    const snapshot = await forge.snapshot(record.number);
    const decision = evaluatePolicy(snapshot, policy);
    let detail: string;
    let action: ReviewAction = 'none';
    if (snapshot.state === 'merged') {
      detail = messages.mergingRecovered(record.updatedAt, 'it was merged: recorded');
      pulls.move(key, ['merging'], 'merged');
      pulls.recordOutcome(snapshot, decision, 'already-merged', detail);
      action = 'already-merged';
    } else if (snapshot.state === 'closed') {
      detail = messages.mergingRecovered(record.updatedAt, 'it was closed without a merge: recorded');
      pulls.move(key, ['merging'], 'closed');
      pulls.recordOutcome(snapshot, decision, 'none', detail);
    } else if (snapshot.headSha === record.headSha) {
      detail = messages.mergingRecovered(
        record.updatedAt,
        `it is still open on ${record.headSha.slice(0, 12)}: approved again`,
      );
      pulls.move(key, ['merging'], 'merge-failed');
      pulls.move(key, ['merge-failed'], 'approved');
      pulls.recordOutcome(snapshot, decision, 'none', detail);
    } else {
      detail = messages.mergingRecovered(record.updatedAt, 'its head moved: judged again');
      pulls.move(key, ['merging'], 'merge-failed');
      pulls.recordOutcome(snapshot, decision, 'head-moved', detail);
    }
    if (shared) {
      const target =
        snapshot.state === 'open' ? 'reviewing' : targetState(snapshot, decision.verdict, action);
      await movePullTask(shared, snapshot, target, detail);
    }
    // An open request is reported by the review that follows; a settled one is reported here.
    if (snapshot.state === 'open') continue;
    const task = localTask(pulls, snapshot);
    entries.push({
      task: { id: task.taskId, state: task.state, note: task.note },
      repo: repoName,
      forge: forge.kind,
      project: forge.project,
      number: snapshot.number,
      title: snapshot.title,
      url: snapshot.url,
      author: snapshot.author,
      headSha: snapshot.headSha,
      verdict: decision.verdict,
      action,
      detail,
      reasons: decision.reasons,
    });
  }
  return entries;
}

/**
 * The team's shared task of a request still open on the forge, left in `merging` longer than a merge can
 * take by a reviewer on some machine that died in the crash window: back to `reviewing`, so that this
 * review may claim it again (its merge names the head SHA it judged, so nothing else can be merged).
 */
async function releaseStaleSharedMerge(
  shared: WorkflowStore,
  pull: PullSnapshot,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const task = await shared.findByKey(pullKey(pull));
  if (task?.state !== 'merging') return;
  if (Date.parse(task.updatedAt) > Date.now() - mergingStaleMs(env)) return;
  await movePullTask(
    shared,
    pull,
    'reviewing',
    messages.mergingRecovered(
      task.updatedAt,
      `it is still open on ${pull.headSha.slice(0, 12)}: judged again`,
    ),
  );
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
