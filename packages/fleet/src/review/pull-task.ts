import type { WorkflowStore } from '@factory/core/state/workflow-store';
import { WorkflowSet } from '@factory/core/workflow/workflow';
import { pullTaskInput, pullTaskPath } from '../state/pull-requests.js';
import type { PullSnapshot } from './types.js';

const ACTOR = 'factory-review';

/**
 * The team's copy of a pull request on shared workflow state (PostgreSQL, FACTORY_STATE_URL): a task of the
 * `pull-request` workflow (key `github:owner/repo#12`), moved event by event, compare-and-set, to the state
 * review reached, so that reviewers on several machines see and claim the same request. The repository's
 * own record (task, snapshot, decisions) is fleet/state/pull-requests.ts; this is only the shared claim.
 * Best effort: a refused move (a person holds the task) is reported, never thrown.
 */
export async function movePullTask(
  tasks: WorkflowStore,
  pull: PullSnapshot,
  target: string,
  reason: string,
  /** States the task must not be moved out of (e.g. `merging`, which another reviewer may hold). */
  keep: readonly string[] = [],
): Promise<{ taskId: number; state: string; note: string | null }> {
  let { task } = await tasks.add(pullTaskInput(pull));
  if (task.state === target) return { taskId: task.id, state: task.state, note: null };
  if (keep.includes(task.state)) return { taskId: task.id, state: task.state, note: `left in ${task.state}` };
  const path = pullTaskPath(WorkflowSet.defaults(), task.state, target);
  if ('note' in path) return { taskId: task.id, state: task.state, note: path.note };
  try {
    for (const event of path.events) {
      task = (await tasks.move(task.id, event, { actor: ACTOR, expectState: task.state, reason })).task;
    }
    return { taskId: task.id, state: task.state, note: null };
  } catch (error) {
    return {
      taskId: task.id,
      state: task.state,
      note: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Takes the request's task from `approved` to `merging`, compare-and-set: the one reviewer that wins may
 * call the forge's merge. With the tasks on PostgreSQL this holds across machines, where each reviewer's
 * own SQLite record cannot see the others. False when the task is not (or no longer) `approved`.
 */
export async function claimPullMerge(
  tasks: WorkflowStore,
  pull: PullSnapshot,
  headSha: string,
): Promise<boolean> {
  // Another reviewer mirroring the same request may move the task in between (compare-and-set refuses
  // then): read again and retry, unless the task is in `merging`, which means someone else won.
  for (let attempt = 0; attempt < 10; attempt++) {
    const approved = await movePullTask(tasks, pull, 'approved', `approved ${headSha}`, ['merging']);
    if (approved.state === 'merging') return false;
    if (approved.state !== 'approved') continue;
    try {
      await tasks.move(approved.taskId, 'merge', {
        actor: ACTOR,
        expectState: 'approved',
        reason: `merging ${headSha}`,
      });
      return true;
    } catch {
      // moved by someone else since: look again
    }
  }
  return false;
}

/** The workflow state a review outcome means. */
export function targetState(
  pull: PullSnapshot,
  verdict: 'merge' | 'wait' | 'human' | 'blocked',
  action: string,
): string {
  if (pull.state === 'merged' || action === 'merged') return 'merged';
  if (pull.state === 'closed') return 'closed';
  if (action === 'merging') return 'merging';
  if (action === 'head-moved' || action === 'merge-failed') return 'reviewing';
  switch (verdict) {
    case 'merge':
      return 'approved';
    case 'wait':
      return 'checking';
    case 'human':
      return 'reviewing';
    default:
      return 'changes-requested';
  }
}
