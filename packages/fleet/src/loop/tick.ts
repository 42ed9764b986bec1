import { existsSync } from 'node:fs';
import { stateDbPath } from '@factory/core/paths';
import { openRepositoryState, type RepositoryState, recoverRepository } from '@factory/core/state/repository';
import type { Task } from '@factory/core/state/tasks';
import type { ForgeFactory } from '../forge/index.js';
import type { Manifest } from '../manifest/manifest.js';
import { repoReviewPolicy } from '../review/policy-source.js';
import { reviewRepository } from '../review/review.js';
import { WorkRequests } from '../state/work-requests.js';
import { manifestEntry, realPath } from './context.js';
import { scanIssues } from './issues.js';
import { ForgeCache, type SettleEntry, settleTasks } from './settle.js';
import { renderStatusline } from './statusline.js';

export interface Dispatch {
  readonly repo: string;
  readonly taskId: number;
  readonly owner: string;
}

export interface TickReport {
  readonly repositories: number;
  /** Tasks added from forge issues (labelled or assigned) in this pass. */
  readonly issues: number;
  /** Leases that had expired (their tasks are free again, or blocked when out of attempts). */
  readonly expired: number;
  /** Resources of dead workers and ended tasks given back. */
  readonly reclaimed: number;
  /** Requests the loop opened that the merge policy merged in this pass. */
  readonly merged: number;
  readonly settled: ReadonlyArray<SettleEntry & { repo: string }>;
  readonly dispatched: readonly Dispatch[];
  /** Tasks ready or running (held) after the pass, across the repositories. */
  readonly ready: number;
  readonly running: number;
  /** Nothing was ready or running before the pass, nor is after it: `loop run --until-idle` may end. */
  readonly idle: boolean;
  readonly errors: readonly string[];
}

export interface TickOptions {
  /** The repositories the loop looks after: the manifest's, and the current one. */
  readonly repos: readonly string[];
  readonly manifest: Manifest;
  readonly forges: ForgeFactory;
  /** At most this many tasks held at once across the repositories (this pass's dispatches included). */
  readonly concurrency: number;
  readonly leaseSeconds: number;
  /** A unique lease owner for each dispatch. */
  readonly ownerFor: (taskId: number) => string;
  /** Starts `factory work TASK --owner OWNER` for a claimed task; throwing gives the claim back. */
  readonly start: (dispatch: Dispatch) => void;
  /** Merge what the policy allows among the requests the loop opened (default true). */
  readonly merge?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

function held(task: Task, now: number): boolean {
  return task.owner !== null && task.leaseExpiresAt !== null && Date.parse(task.leaseExpiresAt) >= now;
}

/**
 * One pass of the loop over the repositories: scanners first (expired leases and leaked resources; then
 * the requests the loop opened: merge what the policy allows, end tasks whose requests all merged, send
 * tasks with failing checks back to work), then dispatch: claim ready tasks, at most `concurrency` held at
 * once, and start a worker for each. A claim is a compare-and-set in the repository's state, so two loops
 * never dispatch the same task.
 */
export async function tick(options: TickOptions): Promise<TickReport> {
  const forges = new ForgeCache(options.forges);
  const errors: string[] = [];
  const issues = await scanIssues({
    repos: options.manifest.repositories,
    forges,
    env: options.env ?? process.env,
    errors,
  });
  const repos = [...new Set(options.repos.map(realPath))].filter((repo) => existsSync(stateDbPath(repo)));
  let expired = 0;
  let reclaimed = 0;
  let merged = 0;
  const settled: Array<SettleEntry & { repo: string }> = [];
  const states = new Map<string, RepositoryState>();
  try {
    for (const repo of repos) states.set(repo, openRepositoryState(repo));
    for (const [repo, state] of states) {
      try {
        const recovery = recoverRepository(state);
        expired += recovery.expired.length;
        reclaimed += recovery.resources.filter((r) => r.action === 'released').length;
      } catch (error) {
        errors.push(`${repo}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Busy before the pass: a task that submits during this pass is merged by the next one, so a pass
    // that started with work in flight is never the idle one.
    let busyBefore = 0;
    for (const state of states.values())
      busyBefore += state.tasks.list({ workflow: 'work', phase: 'active' }).length;
    if (options.merge !== false) merged = await mergeLoopRequests(states, options, errors);
    for (const [repo, state] of states) {
      for (const entry of await settleTasks({ state, forges, rework: true })) {
        settled.push({ ...entry, repo });
        if (entry.action === 'error') errors.push(`${repo}: task ${entry.taskId}: ${entry.detail}`);
      }
    }
    const now = Date.now();
    let running = 0;
    for (const state of states.values())
      running += state.tasks.list({ workflow: 'work' }).filter((t) => held(t, now)).length;
    const dispatched: Dispatch[] = [];
    let slots = options.concurrency - running;
    // Round robin over the repositories, so one busy repository does not starve the others.
    let progress = true;
    while (slots > 0 && progress) {
      progress = false;
      for (const [repo, state] of states) {
        if (slots <= 0) break;
        const next = state.tasks.list({ workflow: 'work', phase: 'active' }).find((t) => t.owner === null);
        if (!next) continue;
        const owner = options.ownerFor(next.id);
        let claimed: Task;
        try {
          claimed = state.tasks.claimTask(next.id, owner, options.leaseSeconds);
        } catch {
          continue; // another loop took it first
        }
        try {
          options.start({ repo, taskId: claimed.id, owner });
        } catch (error) {
          state.tasks.release(claimed.id, owner, `the worker did not start: ${String(error)}`);
          errors.push(`${repo}: task ${claimed.id}: the worker did not start (${String(error)})`);
          continue;
        }
        dispatched.push({ repo, taskId: claimed.id, owner });
        slots--;
        progress = true;
      }
    }
    let ready = 0;
    running = 0;
    const after = Date.now();
    for (const state of states.values()) {
      for (const task of state.tasks.list({ workflow: 'work', phase: 'active' })) {
        if (held(task, after)) running++;
        else ready++;
      }
    }
    return {
      idle: busyBefore === 0 && ready === 0 && running === 0,
      repositories: repos.length,
      issues,
      expired,
      reclaimed,
      merged,
      settled,
      dispatched,
      ready,
      running,
      errors,
    };
  } finally {
    for (const state of states.values()) state.close();
    renderStatusline(options.env ?? process.env, options.repos);
  }
}

/**
 * Applies the merge policy of each repository to the requests the loop opened there (and only those: a
 * person's requests are `factory review`'s business), merging what it allows.
 */
async function mergeLoopRequests(
  states: Map<string, RepositoryState>,
  options: TickOptions,
  errors: string[],
): Promise<number> {
  const byRepo = new Map<string, Set<number>>();
  for (const state of states.values()) {
    const records = new WorkRequests(state.store);
    for (const task of state.tasks.list({ workflow: 'work', state: 'review' })) {
      for (const request of records.requests(task.id)) {
        if (request.state !== 'open' || request.number === undefined) continue;
        const set = byRepo.get(request.repoPath) ?? new Set<number>();
        set.add(request.number);
        byRepo.set(request.repoPath, set);
      }
    }
  }
  let merged = 0;
  for (const [repoPath, numbers] of byRepo) {
    const entry = manifestEntry(options.manifest, repoPath);
    try {
      const { resolveForgeTarget } = await import('../forge/index.js');
      const target = await resolveForgeTarget(entry, options.env ?? process.env);
      if (!target) continue;
      const forge = await options.forges.create(target);
      const result = await reviewRepository({
        repoName: entry.name,
        repoPath,
        forge,
        policy: await repoReviewPolicy(entry),
        merge: true,
        only: (number) => numbers.has(number),
        env: options.env ?? process.env,
      });
      merged += result.entries.filter((e) => e.action === 'merged').length;
    } catch (error) {
      errors.push(`${repoPath}: review: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return merged;
}
