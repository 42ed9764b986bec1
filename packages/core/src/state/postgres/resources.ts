import { ExitCode, FactoryError } from '../../errors.js';
import { messages } from '../../messages.js';
import {
  type CandidateRow,
  checkValue,
  type Resource,
  type ResourceCandidate,
  type ResourceKind,
  type ResourceRow,
  type TaskResources,
  toCandidate,
  toResource,
} from '../resources.js';
import type { PostgresDatabase } from './connection.js';

/**
 * Task resources on PostgreSQL, with the SQLite store's rules: a live resource belongs to one task only,
 * a task's next lease owner adopts its worktrees and branches, recovery releases each once. A worktree
 * path, a pid or a port is one machine's, so every resource names its host: one live holder per (host,
 * kind, value), and `candidates()` offers recovery only this host's (another machine's pid is not ours to
 * signal, its worktree not ours to remove).
 */
export class PostgresTaskResources implements TaskResources {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly host: string,
    private readonly now: () => number,
  ) {}

  async attach(taskId: number, kind: ResourceKind, value: string, owner?: string): Promise<Resource> {
    checkValue(kind, value);
    return this.db.transaction(async (client) => {
      // The task row's lock serialises attaches to one task; the unique index settles two tasks racing.
      const task = (await client.query('SELECT id, owner FROM tasks WHERE id = $1 FOR UPDATE', [taskId]))
        .rows[0] as { id: number; owner: string | null } | undefined;
      if (!task) throw new FactoryError(messages.taskUnknown(taskId), ExitCode.usage);
      const inserted = (
        await client.query(
          `INSERT INTO task_resources (task_id, kind, value, owner, created_at, host)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (host, kind, value) WHERE released_at IS NULL DO NOTHING
           RETURNING *`,
          [taskId, kind, value, owner ?? task.owner, this.now(), this.host],
        )
      ).rows[0] as ResourceRow | undefined;
      if (inserted) return toResource(inserted);
      const holder = (
        await client.query(
          'SELECT * FROM task_resources WHERE host = $1 AND kind = $2 AND value = $3 AND released_at IS NULL',
          [this.host, kind, value],
        )
      ).rows[0] as ResourceRow;
      if (holder.task_id === taskId) return toResource(holder);
      throw new FactoryError(messages.taskResourceTaken(kind, value, holder.task_id), ExitCode.refused);
    });
  }

  async list(taskId?: number, live = false): Promise<Resource[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (taskId !== undefined) {
      args.push(taskId);
      where.push(`task_id = $${args.length}`);
    }
    if (live) where.push('released_at IS NULL');
    const rows = (
      await this.db.query<ResourceRow>(
        `SELECT * FROM task_resources ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
        args,
      )
    ).rows;
    return rows.map(toResource);
  }

  async adopt(taskId: number, owner: string): Promise<Resource[]> {
    return this.db.transaction(async (client) => {
      await client.query(
        `UPDATE task_resources SET owner = $1
         WHERE task_id = $2 AND released_at IS NULL AND kind IN ('worktree', 'branch') AND owner IS DISTINCT FROM $1`,
        [owner, taskId],
      );
      const rows = (
        await client.query(
          `SELECT * FROM task_resources
           WHERE task_id = $1 AND released_at IS NULL AND kind = 'pid' AND owner IS DISTINCT FROM $2 ORDER BY id`,
          [taskId, owner],
        )
      ).rows as ResourceRow[];
      return rows.map(toResource);
    });
  }

  async markReleased(id: number, outcome: string): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE task_resources SET released_at = $1, outcome = $2 WHERE id = $3 AND released_at IS NULL',
      [this.now(), outcome, id],
    );
    return result.rowCount === 1;
  }

  async markKept(id: number, outcome: string): Promise<void> {
    await this.db.query('UPDATE task_resources SET outcome = $1 WHERE id = $2 AND released_at IS NULL', [
      outcome,
      id,
    ]);
  }

  async candidates(): Promise<ResourceCandidate[]> {
    const now = this.now();
    const rows = (
      await this.db.query<CandidateRow>(
        `SELECT r.*, t.phase AS phase, t.owner AS task_owner, t.lease_expires_at AS lease_expires_at
         FROM task_resources r JOIN tasks t ON t.id = r.task_id
         WHERE r.released_at IS NULL AND r.host = $1 ORDER BY r.id`,
        [this.host],
      )
    ).rows;
    return rows.map((row) => toCandidate(row, now));
  }
}
