import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RepositoryState } from '@factory/core/state/repository';
import type { Resource } from '@factory/core/state/resources';
import type { Task } from '@factory/core/state/tasks';
import { hasControlRecord } from '@factory/gates/install/control-record';
import { messages } from '../messages.js';
import { dirtyFiles, gitComplaint, gitSync } from './git.js';

/** What a `work` task carries in its data: set by `factory task add --prompt`. */
export interface WorkSpec {
  readonly prompt: string;
  /** Absolute paths of the repositories' main checkouts; the first is where the session starts. */
  readonly repos: readonly string[];
}

export function workSpec(task: Task): WorkSpec | undefined {
  const { prompt, repos } = task.data as { prompt?: unknown; repos?: unknown };
  if (typeof prompt !== 'string' || prompt.trim() === '') return undefined;
  if (!Array.isArray(repos) || repos.length === 0 || !repos.every((r) => typeof r === 'string'))
    return undefined;
  return { prompt, repos: repos as string[] };
}

function slug(text: string, max: number): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return s || 'task';
}

/**
 * The branch of a task, the same in every repository it touches: the prefix, the home repository's
 * name and the task number (unique together), and the title for people.
 */
export function taskBranch(prefix: string, homeRoot: string, task: Task): string {
  return `${prefix}${slug(basename(homeRoot), 24)}-${task.id}-${slug(task.title, 40)}`;
}

/** Where the worktree of a task lives in one repository: under its ignored `.factory/` folder. */
export function worktreePath(repo: string, branch: string): string {
  return join(repo, '.factory', 'worktrees', branch.replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/** A branch resource names its repository: `<repo path>:<branch>` (git forbids `:` in branch names). */
export function branchResource(repo: string, branch: string): string {
  return `${repo}:${branch}`;
}

export interface RepoWorkspace {
  readonly repo: string;
  readonly worktree: string;
  /** Where commits are counted from: the remote's default branch when there is a remote, else the local one. */
  readonly base: string;
}

export interface Workspace {
  readonly branch: string;
  readonly repos: readonly RepoWorkspace[];
}

export type Preflight = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The checks before any worktree is made: a clean main checkout on a branch, in every repository. */
export function preflight(repos: readonly string[]): Preflight {
  for (const repo of repos) {
    if (!existsSync(join(repo, '.git'))) return { ok: false, reason: messages.loop.repoNotGit(repo) };
    if (!gitSync(repo, ['symbolic-ref', '-q', 'HEAD']).ok)
      return { ok: false, reason: messages.loop.detachedCheckout(repo) };
    const dirty = dirtyFiles(repo);
    if (dirty.length > 0) return { ok: false, reason: messages.loop.dirtyCheckout(repo, dirty.length) };
  }
  return { ok: true };
}

/** The default branch of a repository: the manifest's, else what its main checkout has out. */
export function defaultBranch(repo: string, configured: string | undefined): string {
  if (configured) return configured;
  const head = gitSync(repo, ['symbolic-ref', '--short', 'HEAD']);
  return head.ok ? head.stdout.trim() : 'main';
}

function hasRemote(repo: string): boolean {
  return gitSync(repo, ['remote', 'get-url', 'origin']).ok;
}

/**
 * Makes (or finds again, after a crash) the task's worktree in every repository, on one branch, and
 * attaches each worktree and branch to the task as resources. A branch of that name that the task does
 * not own is refused: it is someone's work.
 */
export function prepareWorkspace(
  state: RepositoryState,
  task: Task,
  owner: string,
  spec: WorkSpec,
  branch: string,
  defaults: (repo: string) => string | undefined,
): { ok: true; workspace: Workspace } | { ok: false; reason: string } {
  const owned = new Set(
    state.resources
      .list(task.id)
      .filter((r: Resource) => r.kind === 'branch')
      .map((r) => r.value),
  );
  const repos: RepoWorkspace[] = [];
  for (const repo of spec.repos) {
    const target = defaultBranch(repo, defaults(repo));
    let base = target;
    if (hasRemote(repo)) {
      // A fresh view of the remote's default branch; offline or refused, the last known one will do.
      gitSync(repo, ['fetch', '--quiet', 'origin', target]);
      if (gitSync(repo, ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${target}`]).ok)
        base = `origin/${target}`;
    }
    const path = worktreePath(repo, branch);
    const resource = branchResource(repo, branch);
    const branchExists = gitSync(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).ok;
    if (branchExists && !owned.has(resource))
      return { ok: false, reason: messages.loop.branchTaken(branch, repo) };
    // The branch is attached before the worktree is made: a crash in between leaves it known, never a stray.
    state.resources.attach(task.id, 'branch', resource, owner);
    const current = existsSync(path) ? gitSync(path, ['symbolic-ref', '--short', 'HEAD']) : undefined;
    if (!current?.ok || current.stdout.trim() !== branch) {
      // This path's worktree only, also when its folder is gone (a stale registration): never a `git
      // worktree prune` of the whole repository, which removes another worker's worktree that `git worktree
      // add` is still making (its admin folder has no gitdir file yet) and fails that add.
      gitSync(repo, ['worktree', 'remove', '--force', path]);
      mkdirSync(join(repo, '.factory', 'worktrees'), { recursive: true });
      // --no-track: nothing written into .git/config (no upstream; factory pushes with an explicit refspec).
      // While a sandboxed command of any session in this repository runs, Claude Code's sandbox holds a
      // mount point at the shared git folder's config.lock, and every config write meanwhile fails.
      const added = branchExists
        ? gitSync(repo, ['worktree', 'add', '--quiet', path, branch])
        : gitSync(repo, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, path, base]);
      if (!added.ok) return { ok: false, reason: messages.loop.worktreeFailed(repo, gitComplaint(added)) };
    }
    const real = realpathSync(path);
    equipWorktree(repo, real);
    state.resources.attach(task.id, 'worktree', real, owner);
    repos.push({ repo, worktree: real, base });
  }
  return { ok: true, workspace: { branch, repos } };
}

/**
 * Gives a new worktree what factory installed in the main checkout but kept out of git (personal mode:
 * the Claude Code settings with the guard and the sandbox, the skills, the factory config), so the
 * session runs behind the same guard and gates. The list is the block `factory init` wrote into the
 * repository's `info/exclude`; team mode commits those files, and then there is nothing to copy.
 * A worktree that `factory init` already set up (the post-checkout hook runs it in every new worktree, and
 * records its control files) is left as init made it: a file copied after that record would be tamper
 * evidence, refusing every call of the session.
 */
export function equipWorktree(repo: string, worktree: string): void {
  if (hasControlRecord(worktree)) return;
  const common = gitSync(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (!common.ok) return;
  let exclude: string;
  try {
    exclude = readFileSync(join(common.stdout.trim(), 'info', 'exclude'), 'utf8');
  } catch {
    return;
  }
  const start = exclude.indexOf('# >>> factory');
  const end = exclude.indexOf('# <<< factory', start);
  if (start < 0 || end < 0) return;
  for (const line of exclude.slice(start, end).split('\n')) {
    const entry = line.trim().replace(/^\//, '').replace(/\/$/, '');
    if (entry === '' || entry.startsWith('#') || entry === '.factory' || /[*?[]/.test(entry)) continue;
    const from = join(repo, entry);
    const to = join(worktree, entry);
    if (existsSync(from) && !existsSync(to)) cpSync(from, to, { recursive: true });
  }
}

/** Commits on the task's branch that its base does not have. */
export function commitsAhead(ws: RepoWorkspace): number {
  const count = gitSync(ws.worktree, ['rev-list', '--count', `${ws.base}..HEAD`]);
  return count.ok ? Number(count.stdout.trim()) || 0 : 0;
}

export function headSha(cwd: string): string {
  return gitSync(cwd, ['rev-parse', 'HEAD']).stdout.trim();
}

/**
 * Gives back what an ended task held: its worktrees (removed when clean, kept and reported otherwise), its
 * branches (deleted: the forge merged exactly the head the task pushed) and any process still running.
 * Each release is recorded on the resource, so a crash half way is finished by the next pass.
 */
export function reclaimTaskResources(state: RepositoryState, taskId: number): string[] {
  const notes: string[] = [];
  const live = state.resources.list(taskId, true);
  for (const resource of live.filter((r) => r.kind === 'pid')) {
    try {
      process.kill(Number(resource.value), 'SIGTERM');
      state.resources.markReleased(resource.id, 'process terminated (SIGTERM)');
    } catch {
      state.resources.markReleased(resource.id, 'process had exited');
    }
  }
  for (const resource of live.filter((r) => r.kind === 'worktree')) {
    if (!existsSync(resource.value)) {
      state.resources.markReleased(resource.id, 'worktree was already gone');
      continue;
    }
    const dirty = dirtyFiles(resource.value);
    if (dirty.length > 0) {
      const outcome = `uncommitted work in ${dirty.length} file(s); commit or discard it, then recover again`;
      state.resources.markKept(resource.id, outcome);
      notes.push(`${resource.value}: ${outcome}`);
      continue;
    }
    const common = gitSync(resource.value, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    const repo = common.ok ? join(common.stdout.trim(), '..') : resource.value;
    const removed = gitSync(repo, ['worktree', 'remove', resource.value]);
    if (removed.ok) state.resources.markReleased(resource.id, 'worktree removed');
    else {
      state.resources.markKept(resource.id, `git worktree remove failed: ${gitComplaint(removed)}`);
      notes.push(`${resource.value}: ${gitComplaint(removed)}`);
    }
  }
  for (const resource of live.filter((r) => r.kind === 'branch')) {
    const at = resource.value.lastIndexOf(':');
    const repo = at > 0 ? resource.value.slice(0, at) : state.repoRoot;
    const branch = at > 0 ? resource.value.slice(at + 1) : resource.value;
    if (!gitSync(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).ok) {
      state.resources.markReleased(resource.id, 'branch was already gone');
      continue;
    }
    const deleted = gitSync(repo, ['branch', '-D', branch]);
    if (deleted.ok) state.resources.markReleased(resource.id, 'merged on the forge; branch deleted');
    else state.resources.markKept(resource.id, `branch kept: ${gitComplaint(deleted)}`);
  }
  return notes;
}
