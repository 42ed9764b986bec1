import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { coreSchema } from './migrations/index.js';
import type { StateStore } from './store.js';

/** What a task can hold outside the database, and so leak when its owner dies. */
export type ResourceKind = 'worktree' | 'branch' | 'pid' | 'port';
export const resourceKinds: readonly ResourceKind[] = ['worktree', 'branch', 'pid', 'port'];

export interface Resource {
  readonly id: number;
  readonly taskId: number;
  readonly kind: ResourceKind;
  /** A worktree's absolute path, a branch name, a process id or a port number, as text. */
  readonly value: string;
  /** The lease owner who recorded it: when that owner no longer holds the task, the resource is orphaned. */
  readonly owner: string | null;
  readonly createdAt: string;
  readonly releasedAt: string | null;
  /** What recovery (or the holder) did with it: removed, terminated, kept because of uncommitted work... */
  readonly outcome: string | null;
}

export interface ResourceRow {
  id: number;
  task_id: number;
  kind: ResourceKind;
  value: string;
  owner: string | null;
  created_at: number;
  released_at: number | null;
  outcome: string | null;
}

/** A live resource's row with its task's phase and lease (both stores' `candidates` query). */
export interface CandidateRow extends ResourceRow {
  phase: string;
  task_owner: string | null;
  lease_expires_at: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    taskId: row.task_id,
    kind: row.kind,
    value: row.value,
    owner: row.owner,
    createdAt: iso(row.created_at),
    releasedAt: row.released_at === null ? null : iso(row.released_at),
    outcome: row.outcome,
  };
}

/** How recovery judges a live resource: its task ended, or the owner who recorded it lost the lease. */
export function toCandidate(row: CandidateRow, now: number): ResourceCandidate {
  return {
    resource: toResource(row),
    ended: row.phase === 'terminal',
    // The owner who recorded it no longer holds a live lease on the task: it died or let go.
    ownerGone:
      row.owner !== null &&
      (row.task_owner !== row.owner || row.lease_expires_at === null || row.lease_expires_at < now),
  };
}

export function checkValue(kind: ResourceKind, value: string): string {
  const ok =
    kind === 'pid'
      ? /^[1-9]\d{0,9}$/.test(value)
      : kind === 'port'
        ? /^[1-9]\d{0,4}$/.test(value) && Number(value) <= 65535
        : value.trim() !== '' && !/[\0\n]/.test(value);
  if (!resourceKinds.includes(kind) || !ok)
    throw new FactoryError(messages.taskBadResource(kind, value), ExitCode.usage);
  return value;
}

/** The resources tasks hold: recorded with the task so that recovery can find and reclaim leaks. */
export class ResourceStore {
  readonly store: StateStore;
  private readonly now: () => number;

  constructor(store: StateStore, clock: () => number = Date.now) {
    store.ensure(coreSchema);
    this.store = store;
    this.now = clock;
  }

  private sql(text: string): StatementSync {
    return this.store.statement(text);
  }

  /**
   * Records that the task holds a resource. A live resource belongs to one task only: attaching a port or
   * worktree another task still holds is refused (exit 1), which also keeps two tasks off the same port.
   */
  attach(taskId: number, kind: ResourceKind, value: string, owner?: string): Resource {
    checkValue(kind, value);
    return this.store.write(() => {
      const task = this.sql('SELECT id, owner FROM tasks WHERE id = ?').get(taskId) as
        | { id: number; owner: string | null }
        | undefined;
      if (!task) throw new FactoryError(messages.taskUnknown(taskId), ExitCode.usage);
      const holder = this.sql(
        'SELECT * FROM task_resources WHERE kind = ? AND value = ? AND released_at IS NULL',
      ).get(kind, value) as ResourceRow | undefined;
      if (holder) {
        if (holder.task_id === taskId) return toResource(holder);
        throw new FactoryError(messages.taskResourceTaken(kind, value, holder.task_id), ExitCode.refused);
      }
      const result = this.sql(
        'INSERT INTO task_resources (task_id, kind, value, owner, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(taskId, kind, value, owner ?? task.owner, this.now());
      return toResource(
        this.sql('SELECT * FROM task_resources WHERE id = ?').get(
          Number(result.lastInsertRowid),
        ) as unknown as ResourceRow,
      );
    });
  }

  /** The resources of one task, or of all tasks; `live` keeps only those not released yet. */
  list(taskId?: number, live = false): Resource[] {
    const where = [taskId !== undefined ? 'task_id = ?' : '1', live ? 'released_at IS NULL' : '1'].join(
      ' AND ',
    );
    const args = taskId !== undefined ? [taskId] : [];
    return this.store.read(() =>
      (
        this.sql(`SELECT * FROM task_resources WHERE ${where} ORDER BY id`).all(
          ...args,
        ) as unknown as ResourceRow[]
      ).map(toResource),
    );
  }

  /**
   * Hands a task's live worktrees and branches to its new lease owner (the next attempt goes on with them),
   * so that recovery does not take them for leaks of the previous owner. Returns the task's live process
   * resources of other owners: sessions of a dead worker, for the caller to stop.
   */
  adopt(taskId: number, owner: string): Resource[] {
    return this.store.write(() => {
      this.sql(
        `UPDATE task_resources SET owner = ?
         WHERE task_id = ? AND released_at IS NULL AND kind IN ('worktree', 'branch') AND owner IS NOT ?`,
      ).run(owner, taskId, owner);
      return (
        this.sql(
          `SELECT * FROM task_resources
           WHERE task_id = ? AND released_at IS NULL AND kind = 'pid' AND owner IS NOT ? ORDER BY id`,
        ).all(taskId, owner) as unknown as ResourceRow[]
      ).map(toResource);
    });
  }

  /** Marks a resource released with what became of it; false when someone released it first. */
  markReleased(id: number, outcome: string): boolean {
    return this.store.write(
      () =>
        this.sql(
          'UPDATE task_resources SET released_at = ?, outcome = ? WHERE id = ? AND released_at IS NULL',
        ).run(this.now(), outcome, id).changes === 1,
    );
  }

  /** Notes why a resource is kept (e.g. uncommitted work) without releasing it. */
  markKept(id: number, outcome: string): void {
    this.store.write(() =>
      this.sql('UPDATE task_resources SET outcome = ? WHERE id = ? AND released_at IS NULL').run(outcome, id),
    );
  }

  /** Live resources with the state of their task, for recovery to judge. */
  candidates(): ResourceCandidate[] {
    const now = this.now();
    const rows = this.store.read(
      () =>
        this.sql(
          `SELECT r.*, t.phase AS phase, t.owner AS task_owner, t.lease_expires_at AS lease_expires_at
           FROM task_resources r JOIN tasks t ON t.id = r.task_id
           WHERE r.released_at IS NULL ORDER BY r.id`,
        ).all() as unknown as CandidateRow[],
    );
    return rows.map((row) => toCandidate(row, now));
  }
}

export type ReclaimAction = 'released' | 'kept' | 'left';

export interface ReclaimResult {
  readonly resource: Resource;
  /** released: reclaimed (or already gone); kept: needs a human (e.g. uncommitted work); left: still in use. */
  readonly action: ReclaimAction;
  readonly outcome: string;
}

/** Whether a process exists: `process.kill(pid, 0)` fails with ESRCH when it does not. */
export function processState(pid: number): 'alive' | 'dead' | 'foreign' {
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    // EPERM: it exists but belongs to someone else; we may not signal it.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'foreign' : 'dead';
  }
}

function git(cwd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, stdout, stderr: '' };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message?: string };
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message ?? '') };
  }
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';

/** A live resource with the state of its task, for recovery to judge. */
export interface ResourceCandidate {
  readonly resource: Resource;
  readonly ended: boolean;
  readonly ownerGone: boolean;
}

/**
 * The resources tasks hold, whatever store keeps them: the SQLite ResourceStore (answered at once) or the
 * PostgreSQL store, where each resource also names the machine that holds it and recovery sees only this
 * machine's (a pid or a worktree path means nothing on another host).
 */
export interface TaskResources {
  attach(taskId: number, kind: ResourceKind, value: string, owner?: string): Promise<Resource>;
  list(taskId?: number, live?: boolean): Promise<Resource[]>;
  adopt(taskId: number, owner: string): Promise<Resource[]>;
  markReleased(id: number, outcome: string): Promise<boolean>;
  markKept(id: number, outcome: string): Promise<void>;
  candidates(): Promise<ResourceCandidate[]>;
}

/** The SQLite ResourceStore behind the asynchronous interface. */
export function asyncResources(store: ResourceStore): TaskResources {
  return {
    attach: async (taskId, kind, value, owner) => store.attach(taskId, kind, value, owner),
    list: async (taskId, live) => store.list(taskId, live),
    adopt: async (taskId, owner) => store.adopt(taskId, owner),
    markReleased: async (id, outcome) => store.markReleased(id, outcome),
    markKept: async (id, outcome) => store.markKept(id, outcome),
    candidates: async () => store.candidates(),
  };
}

type Verdict = { readonly action: 'release' | 'keep'; readonly outcome: string } | undefined;

/**
 * What recovery does with one live resource (and does it: git, signals): release it with an outcome, keep it
 * with the reason a human must look, or nothing (still in use). Both stores' recoveries share it.
 */
function judgeResource(repoRoot: string, { resource, ended, ownerGone }: ResourceCandidate): Verdict {
  const orphaned = ended || ownerGone;
  const release = (outcome: string): Verdict => ({ action: 'release', outcome });
  const keep = (outcome: string): Verdict => ({ action: 'keep', outcome });
  switch (resource.kind) {
    case 'pid': {
      const pid = Number(resource.value);
      const state = processState(pid);
      if (state === 'dead') return release('process had exited');
      if (!orphaned) return undefined;
      if (state === 'foreign') return keep('process belongs to another user; stop it yourself');
      try {
        process.kill(pid, 'SIGTERM');
        return release('process terminated (SIGTERM)');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === 'ESRCH'
          ? release('process had exited')
          : keep(`could not stop the process (${code})`);
      }
    }
    case 'port':
      return orphaned ? release('port freed') : undefined;
    case 'worktree': {
      if (!orphaned) return undefined;
      if (!existsSync(resource.value)) {
        git(repoRoot, ['worktree', 'prune']);
        return release('worktree was already gone');
      }
      const status = git(resource.value, ['status', '--porcelain', '--untracked-files=normal']);
      if (!status.ok) {
        return keep(
          `not a git worktree any more (${firstLine(status.stderr)}); look at it and remove it yourself`,
        );
      }
      if (status.stdout.trim() !== '') {
        const files = status.stdout.trim().split('\n').length;
        return keep(`uncommitted work in ${files} file(s); commit or discard it, then recover again`);
      }
      // The worktree may belong to another repository than this state's (a task that spans several):
      // git removes a worktree from its own repository.
      const common = git(resource.value, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
      const owner = common.ok ? dirname(common.stdout.trim()) : repoRoot;
      const removed = git(owner, ['worktree', 'remove', resource.value]);
      return removed.ok
        ? release('worktree removed')
        : keep(`git worktree remove failed: ${firstLine(removed.stderr)}`);
    }
    case 'branch': {
      // A live task's branch carries its work into the next attempt: only an ended task's branch goes.
      if (!ended) return undefined;
      // `<repository path>:<branch>` names a branch of another repository (git forbids ':' in branch names).
      const at = resource.value.lastIndexOf(':');
      const repo = at > 0 ? resource.value.slice(0, at) : repoRoot;
      const branch = at > 0 ? resource.value.slice(at + 1) : resource.value;
      const exists = git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
      if (!exists.ok) return release('branch was already gone');
      const merged = git(repo, ['merge-base', '--is-ancestor', `refs/heads/${branch}`, 'HEAD']);
      if (!merged.ok) {
        return keep(
          'branch not merged into HEAD, kept; delete it with git branch -D if its work is not needed',
        );
      }
      const deleted = git(repo, ['branch', '-d', branch]);
      return deleted.ok
        ? release('merged branch deleted')
        : keep(`branch kept: git branch -d refused (${firstLine(deleted.stderr)})`);
    }
  }
}

const RECLAIM_ORDER: Record<ResourceKind, number> = { pid: 0, port: 1, worktree: 2, branch: 3 };

/**
 * Processes first (they may hold a worktree), then worktrees, then branches: a branch checked out in the
 * task's own worktree can only be deleted once that worktree is gone.
 */
function inReclaimOrder(candidates: readonly ResourceCandidate[]): ResourceCandidate[] {
  return [...candidates].sort(
    (a, b) =>
      RECLAIM_ORDER[a.resource.kind] - RECLAIM_ORDER[b.resource.kind] || a.resource.id - b.resource.id,
  );
}

/**
 * Reclaims the resources of tasks that ended or whose owner is gone (its lease expired or was given up):
 * clean worktrees are removed (`git worktree remove`, which itself refuses a dirty one), a worktree with
 * uncommitted or untracked work is kept and reported, never deleted; branches of ended tasks are deleted
 * only when merged (`git branch -d`); processes still running for them get SIGTERM; ports are freed.
 * A process that is already dead is released whatever its task's state. Git runs outside the database
 * lock; each release is its own small transaction, so two recoveries at once do not double-count.
 */
export function reclaimResources(repoRoot: string, resources: ResourceStore): ReclaimResult[] {
  const results: ReclaimResult[] = [];
  for (const candidate of inReclaimOrder(resources.candidates())) {
    const verdict = judgeResource(repoRoot, candidate);
    if (verdict?.action === 'release') {
      if (resources.markReleased(candidate.resource.id, verdict.outcome))
        results.push({ resource: candidate.resource, action: 'released', outcome: verdict.outcome });
    } else if (verdict?.action === 'keep') {
      resources.markKept(candidate.resource.id, verdict.outcome);
      results.push({ resource: candidate.resource, action: 'kept', outcome: verdict.outcome });
    }
  }
  return results;
}

/** reclaimResources for either store (the PostgreSQL one offers only this machine's resources). */
export async function reclaimTaskResources(
  repoRoot: string,
  resources: TaskResources,
): Promise<ReclaimResult[]> {
  const results: ReclaimResult[] = [];
  for (const candidate of inReclaimOrder(await resources.candidates())) {
    const verdict = judgeResource(repoRoot, candidate);
    if (verdict?.action === 'release') {
      if (await resources.markReleased(candidate.resource.id, verdict.outcome))
        results.push({ resource: candidate.resource, action: 'released', outcome: verdict.outcome });
    } else if (verdict?.action === 'keep') {
      await resources.markKept(candidate.resource.id, verdict.outcome);
      results.push({ resource: candidate.resource, action: 'kept', outcome: verdict.outcome });
    }
  }
  return results;
}
