import type { RepositoryState } from '@factory/core/state/repository';
import { WorkflowSet } from '@factory/core/workflow/workflow';
import type { PullSnapshot } from './types.js';

const WORKFLOW = 'pull-request';
const ACTOR = 'factory-review';

/** The shortest chain of events that takes a task of `workflow` from `from` to `to`, or undefined. */
function pathOf(from: string, to: string): string[] | undefined {
  const workflow = WorkflowSet.defaults().find(WORKFLOW);
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

/**
 * Mirrors a pull request into a task of the `pull-request` workflow (key `github:owner/repo#12`), moved
 * event by event, compare-and-set, to the state review reached: `factory task list` and `factory status`
 * show what review did. Best effort: a refused move (a person holds the task) is reported, never thrown.
 */
export function movePullTask(
  state: RepositoryState,
  pull: PullSnapshot,
  target: string,
  reason: string,
): { taskId: number; state: string; note: string | null } {
  const key = `${pull.forge}:${pull.repo}#${pull.number}`;
  let { task } = state.tasks.add({
    title: pull.title || key,
    workflow: WORKFLOW,
    key,
    data: { url: pull.url, author: pull.author },
    actor: ACTOR,
  });
  if (task.state === target) return { taskId: task.id, state: task.state, note: null };
  const events = pathOf(task.state, target);
  if (!events) return { taskId: task.id, state: task.state, note: `no way from ${task.state} to ${target}` };
  try {
    for (const event of events) {
      task = state.tasks.move(task.id, event, { actor: ACTOR, expectState: task.state, reason }).task;
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
