import type { RepositoryState } from '@factory/core/state/repository';
import type { ForgeFactory } from '../forge/index.js';
import type { Forge } from '../forge/types.js';
import { messages } from '../messages.js';
import type { PullSnapshot } from '../review/types.js';
import { WorkRequests } from '../state/work-requests.js';
import { reclaimTaskResources } from './workspace.js';

const ACTOR = 'factory-loop';

export interface SettleEntry {
  readonly taskId: number;
  /** What happened to the task: ended (every request merged), blocked (one was closed), rework, or nothing. */
  readonly action: 'done' | 'blocked' | 'rework' | 'reclaimed' | 'waiting' | 'error';
  readonly detail: string;
}

/** Forge clients by kind and project, made once per pass. */
export class ForgeCache {
  private readonly made = new Map<string, Promise<Forge>>();
  constructor(private readonly forges: ForgeFactory) {}
  get(kind: 'github' | 'gitlab', project: string): Promise<Forge> {
    const key = `${kind}:${project}`;
    let forge = this.made.get(key);
    if (!forge) {
      forge = this.forges.create({ kind, project });
      this.made.set(key, forge);
    }
    return forge;
  }
}

function failingChecks(snapshot: PullSnapshot): string[] {
  return snapshot.checks
    .filter((c) => c.sha === snapshot.headSha && c.state === 'failure')
    .map((c) => c.name);
}

/**
 * Follows the requests of the repository's `work` tasks in review: when every request of a task is merged
 * the task ends (`merged` -> done) and its worktrees, branches and processes are reclaimed; a request
 * closed without a merge blocks the task; with `rework`, a request whose head has failing checks or a review
 * asking for changes sends the task back to work on the same branch, once per head (the head SHA is the idempotency key). Tasks that
 * ended with resources still held (a crash between the move and the reclaim) are reclaimed too.
 */
export async function settleTasks(options: {
  readonly state: RepositoryState;
  readonly forges: ForgeCache;
  readonly rework?: boolean;
}): Promise<SettleEntry[]> {
  const { state } = options;
  const requests = new WorkRequests(state.store);
  const entries: SettleEntry[] = [];
  for (const task of state.tasks.list({ workflow: 'work', state: 'review' })) {
    try {
      const mine = requests.requests(task.id);
      const reworks: string[] = [];
      for (const request of mine) {
        if (request.state !== 'open' || request.number === undefined) continue;
        const forge = await options.forges.get(request.forge, request.project);
        const snapshot = await forge.snapshot(request.number);
        if (snapshot.state === 'merged') requests.settleRequest(task.id, request.repoPath, 'merged');
        else if (snapshot.state === 'closed') requests.settleRequest(task.id, request.repoPath, 'closed');
        else if (options.rework) {
          const failing = failingChecks(snapshot);
          const asking = snapshot.changesRequestedBy ?? [];
          if (
            (failing.length > 0 || asking.length > 0) &&
            requests.markReworked(task.id, request.repoPath, snapshot.headSha)
          ) {
            if (failing.length > 0)
              reworks.push(messages.loop.reworkChecks(snapshot.url, snapshot.headSha, failing.join(', ')));
            if (asking.length > 0)
              reworks.push(messages.loop.reworkChanges(snapshot.url, snapshot.headSha, asking.join(', ')));
          }
        }
      }
      const now = requests.requests(task.id);
      const closed = now.find((r) => r.state === 'closed');
      if (closed) {
        const reason = messages.loop.requestClosed(closed.url ?? closed.repoPath);
        state.tasks.move(task.id, 'block', { actor: ACTOR, expectState: 'review', reason });
        entries.push({ taskId: task.id, action: 'blocked', detail: reason });
      } else if (now.length > 0 && now.every((r) => r.state === 'merged')) {
        const reason = `every request merged: ${now.map((r) => r.url ?? r.repoPath).join(', ')}`;
        state.tasks.move(task.id, 'merged', { actor: ACTOR, expectState: 'review', reason });
        const kept = reclaimTaskResources(state, task.id);
        entries.push({
          taskId: task.id,
          action: 'done',
          detail: kept.length ? `${reason}; kept: ${kept.join('; ')}` : reason,
        });
      } else if (reworks.length > 0) {
        const reason = reworks.join('; ');
        state.tasks.move(task.id, 'rework', { actor: ACTOR, expectState: 'review', reason });
        entries.push({ taskId: task.id, action: 'rework', detail: reason });
      } else entries.push({ taskId: task.id, action: 'waiting', detail: 'requests still open' });
    } catch (error) {
      entries.push({
        taskId: task.id,
        action: 'error',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }
  for (const task of [
    ...state.tasks.list({ workflow: 'work', state: 'done' }),
    ...state.tasks.list({ workflow: 'work', state: 'cancelled' }),
  ]) {
    if (state.resources.list(task.id, true).filter((r) => r.outcome === null).length === 0) continue;
    const kept = reclaimTaskResources(state, task.id);
    entries.push({
      taskId: task.id,
      action: 'reclaimed',
      detail: kept.length ? `kept: ${kept.join('; ')}` : 'resources reclaimed',
    });
  }
  return entries;
}
