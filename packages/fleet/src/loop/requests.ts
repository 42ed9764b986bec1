import type { RepositoryState } from '@factory/core/state/repository';
import type { Task } from '@factory/core/state/tasks';
import type { ForgeFactory, ForgeTarget } from '../forge/index.js';
import { ForgeHttpError, type RequestRef } from '../forge/types.js';
import { messages } from '../messages.js';
import { type WorkRequest, WorkRequests } from '../state/work-requests.js';
import { realPath } from './context.js';
import { gitAsync, gitComplaint } from './git.js';
import type { RepoWorkspace } from './workspace.js';

export interface RequestTarget {
  readonly target: ForgeTarget | undefined;
  readonly defaultBranch: string;
}

function forgeDetail(error: unknown): string {
  if (error instanceof ForgeHttpError) return `${error.status}: ${error.detail}`;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function requestBody(task: Task, prompt: string, homeRoot: string, sameRepository: boolean): string {
  const issue = (task.data as { issue?: { number?: number } }).issue;
  return [
    ...(issue?.number !== undefined && sameRepository ? [`Closes #${issue.number}.`, ''] : []),
    `Opened by factory for task #${task.id} of ${homeRoot}.`,
    '',
    '> ' + prompt.trim().split('\n').join('\n> '),
    '',
    "The commits passed the repository's gates; `factory task log " + task.id + '` tells the whole story.',
  ].join('\n');
}

/**
 * Pushes the task's branch (the pre-push gates run) and opens or updates its request, idempotently: the
 * request row is written before the forge is called, and the forge is asked for a request from this branch
 * before one is opened, so a crash anywhere in between never opens a second request.
 */
export async function pushAndRequest(options: {
  readonly state: RepositoryState;
  readonly task: Task;
  readonly prompt: string;
  readonly branch: string;
  readonly ws: RepoWorkspace;
  readonly target: RequestTarget;
  readonly forges: ForgeFactory;
  readonly env: NodeJS.ProcessEnv;
}): Promise<{ ok: true; request: WorkRequest } | { ok: false; reason: string }> {
  const { state, task, ws, branch } = options;
  const records = new WorkRequests(state.store);
  const target = options.target.target;
  if (!target) return { ok: false, reason: messages.loop.noForge(ws.repo) };
  const pushed = await gitAsync(
    ws.worktree,
    // No --set-upstream: it writes .git/config, which a concurrent sandboxed command keeps locked (see
    // prepareWorkspace); the branch needs no upstream, every push names its refspec.
    ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`],
    options.env,
  );
  if (!pushed.ok) return { ok: false, reason: messages.loop.pushRefused(ws.repo, gitComplaint(pushed)) };
  const head = (await gitAsync(ws.worktree, ['rev-parse', 'HEAD'])).stdout.trim();
  records.beginRequest({
    taskId: task.id,
    repoPath: ws.repo,
    forge: target.kind,
    project: target.project,
    branch,
  });
  const title = `${task.title} (factory #${task.id})`;
  const body = requestBody(task, options.prompt, state.repoRoot, ws.repo === realPath(state.repoRoot));
  let ref: RequestRef;
  try {
    const forge = await options.forges.create(target);
    const found = await forge.findByBranch(branch);
    if (found && found.state === 'open') ref = await forge.updateRequest(found.number, { title, body });
    else if (found && found.state === 'merged' && found.headSha === head) ref = found;
    else ref = await forge.openRequest({ branch, base: options.target.defaultBranch, title, body });
  } catch (error) {
    return { ok: false, reason: messages.loop.forgeRefused(ws.repo, forgeDetail(error)) };
  }
  records.recordRequest(task.id, ws.repo, {
    number: ref.number,
    url: ref.url,
    headSha: ref.headSha || head,
    state: ref.state === 'merged' ? 'merged' : 'open',
  });
  const request = records.requests(task.id).find((r) => r.repoPath === ws.repo)!;
  return { ok: true, request };
}
