import { hostname } from 'node:os';
import { ExitCode, FactoryError } from '../../errors.js';
import { messages } from '../../messages.js';
import { findGuard } from '../../workflow/guards.js';
import type { ResolvedTransition } from '../../workflow/types.js';
import type { WorkflowSet } from '../../workflow/workflow.js';
import type { TaskResources } from '../resources.js';
import {
  type AddTaskInput,
  auditHistory,
  type ClaimInput,
  checkClaimTask,
  checkGuardVerdict,
  checkHeartbeat,
  checkMove,
  checkNewTask,
  checkOwner,
  checkRelease,
  checkTtl,
  type ExpiredLease,
  guardedTask,
  type Lease,
  type ListFilter,
  type LogEntry,
  type LogRow,
  type LogWrite,
  leaseExpiry,
  listConditions,
  logRows,
  logValues,
  type MoveInput,
  type MoveResult,
  newTaskValues,
  type Task,
  type TaskCounts,
  type TaskRow,
  toLease,
  toLogEntry,
  toTask,
  workflowOfRow,
} from '../tasks.js';
import type { WorkflowStore } from '../workflow-store.js';
import { PostgresDatabase } from './connection.js';
import { corePostgresSchema } from './core-schema.js';
import { PostgresTaskResources } from './resources.js';

type Client = Parameters<Parameters<PostgresDatabase['transaction']>[0]>[0];

export interface PostgresWorkflowStoreOptions {
  readonly workflows: WorkflowSet;
  /** Milliseconds since the epoch; tests move time with their own clock. */
  readonly clock?: () => number;
  /** Connections of this process's pool (default 4). */
  readonly connections?: number;
  /** The machine that holds the resources this process attaches (default: os.hostname()). */
  readonly host?: string;
}

/**
 * Tasks on PostgreSQL with the SQLite store's guarantees, for several processes on several machines:
 *
 * - every change is one transaction that updates the task row and appends its log row;
 * - a move or a lease change locks its row (`SELECT ... FOR UPDATE`) and compares version and state;
 * - a claim takes the first free row that no other claimer holds (`FOR UPDATE SKIP LOCKED`): claimers
 *   never wait for each other and never both take one task; the UPDATE is conditioned on the row still
 *   being free all the same;
 * - expired leases are freed the same way (locked rows skipped: another claimer is freeing them).
 * Lease times come from this process's clock, as with SQLite: machines sharing a queue need synchronised
 * clocks (NTP), and a lease should be long against their skew.
 */
export class PostgresWorkflowStore implements WorkflowStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  readonly workflows: WorkflowSet;
  readonly resources: TaskResources;
  private readonly now: () => number;

  private constructor(
    private readonly db: PostgresDatabase,
    options: PostgresWorkflowStoreOptions,
  ) {
    this.location = db.location;
    this.workflows = options.workflows;
    this.now = options.clock ?? Date.now;
    this.resources = new PostgresTaskResources(db, options.host ?? hostname(), () => this.now());
  }

  static async open(url: string, options: PostgresWorkflowStoreOptions): Promise<PostgresWorkflowStore> {
    const db = await PostgresDatabase.open(url, [corePostgresSchema], { max: options.connections ?? 4 });
    return new PostgresWorkflowStore(db, options);
  }

  private async row(client: Client, id: number, lock = false): Promise<TaskRow | undefined> {
    const result = await client.query(`SELECT * FROM tasks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return result.rows[0] as TaskRow | undefined;
  }

  private async requireRow(client: Client, id: number, lock = false): Promise<TaskRow> {
    const row = await this.row(client, id, lock);
    if (!row) throw new FactoryError(messages.taskUnknown(id), ExitCode.usage);
    return row;
  }

  private async appendLog(client: Client, row: TaskRow, entry: LogWrite): Promise<void> {
    await client.query(
      `INSERT INTO task_log (task_id, version, kind, event, from_state, to_state, actor, owner, at, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      logValues(row, entry),
    );
  }

  async add(input: AddTaskInput): Promise<{ task: Task; created: boolean }> {
    const checked = checkNewTask(this.workflows, input);
    const { workflow } = checked;
    const now = this.now();
    // One statement: the row and its create log row commit together, in one round trip.
    const inserted = await this.db.query<TaskRow>(
      `WITH added AS (
         INSERT INTO tasks (workflow, state, phase, version, title, idempotency_key, priority, data,
                            max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING *),
       logged AS (
         INSERT INTO task_log (task_id, version, kind, event, from_state, to_state, actor, owner, at, reason)
         SELECT id, 1, 'create', 'create', NULL, state, $10, NULL, $9, NULL FROM added)
       SELECT * FROM added`,
      [...newTaskValues(checked, input), now, checked.actor],
    );
    const row = inserted.rows[0];
    if (row) return { task: toTask(row), created: true };
    // The key exists (perhaps added a moment ago by another process): that task is the answer.
    const existing = (
      await this.db.query<TaskRow>('SELECT * FROM tasks WHERE idempotency_key = $1', [input.key])
    ).rows[0]!;
    if (existing.workflow !== workflow.name) {
      throw new FactoryError(
        messages.taskKeyOtherWorkflow(input.key!, existing.id, existing.workflow, workflow.name),
        ExitCode.usage,
      );
    }
    return { task: toTask(existing), created: false };
  }

  async get(id: number): Promise<Task> {
    return toTask(await this.db.read((client) => this.requireRow(client, id)));
  }

  async find(id: number): Promise<Task | undefined> {
    const row = await this.db.read((client) => this.row(client, id));
    return row ? toTask(row) : undefined;
  }

  async findByKey(key: string): Promise<Task | undefined> {
    const row = await this.db.read(
      async (client) => (await client.query('SELECT * FROM tasks WHERE idempotency_key = $1', [key])).rows[0],
    );
    return row ? toTask(row as TaskRow) : undefined;
  }

  async list(filter: ListFilter = {}): Promise<Task[]> {
    const conditions = listConditions(filter);
    const where = conditions.map(([column], i) => `${column} = $${i + 1}`);
    const args: unknown[] = conditions.map(([, value]) => value);
    let text = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    if (filter.limit !== undefined) {
      args.push(filter.limit);
      text += ` LIMIT $${args.length}`;
    }
    const rows = await this.db.read(async (client) => (await client.query(text, args)).rows as TaskRow[]);
    return rows.map(toTask);
  }

  allowedEvents(task: Task): string[] {
    return this.workflows.get(task.workflow).allowedEvents(task.state);
  }

  async claim(input: ClaimInput): Promise<Task | undefined> {
    const owner = checkOwner(input.owner);
    const ttlMs = checkTtl(input.ttlSeconds);
    if (input.workflow !== undefined) this.workflows.get(input.workflow);
    const now = this.now();
    await this.expireIfAny(now);
    const args: unknown[] = [owner, now + ttlMs, now];
    const where = ['owner IS NULL'];
    if (input.states && input.states.length > 0) {
      args.push([...input.states]);
      where.push(`phase != 'terminal'`, `state = ANY($${args.length})`);
    } else {
      where.push(`phase = 'active'`);
    }
    if (input.workflow !== undefined) {
      args.push(input.workflow);
      where.push(`workflow = $${args.length}`);
    }
    // One statement: the first free row nobody else is claiming (SKIP LOCKED), its lease and its log row.
    const claimed = await this.db.query<TaskRow>(
      `WITH picked AS (
         SELECT id FROM tasks WHERE ${where.join(' AND ')} ORDER BY priority DESC, id LIMIT 1
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE tasks t SET owner = $1, lease_expires_at = $2, attempts = t.attempts + 1, version = t.version + 1,
                            updated_at = $3
         FROM picked WHERE t.id = picked.id AND t.owner IS NULL
         RETURNING t.*),
       logged AS (
         INSERT INTO task_log (task_id, version, kind, event, from_state, to_state, actor, owner, at, reason)
         SELECT id, version, 'claim', 'claim', state, state, $1, $1, $3, NULL FROM claimed)
       SELECT * FROM claimed`,
      args,
    );
    const row = claimed.rows[0];
    return row ? toTask(row) : undefined;
  }

  /** Frees expired leases when there are any: one indexed read in the common case that there are none. */
  private async expireIfAny(now: number): Promise<void> {
    const any = await this.db.query(
      'SELECT 1 FROM tasks WHERE owner IS NOT NULL AND lease_expires_at < $1 LIMIT 1',
      [now],
    );
    if (any.rowCount) await this.db.transaction((client) => this.expireLeasesIn(client, now));
  }

  async claimTask(id: number, ownerInput: string, ttlSeconds: number): Promise<Task> {
    const owner = checkOwner(ownerInput);
    const ttlMs = checkTtl(ttlSeconds);
    return this.db.transaction(async (client) => {
      const now = this.now();
      await this.expireLeasesIn(client, now);
      const row = await this.requireRow(client, id, true);
      return checkClaimTask(row, owner, now) === 'extend'
        ? this.extendLease(client, row, owner, now + ttlMs, now)
        : this.takeLease(client, row, owner, now + ttlMs, now);
    });
  }

  private async takeLease(
    client: Client,
    row: TaskRow,
    owner: string,
    expiresAt: number,
    now: number,
  ): Promise<Task> {
    const changed = await client.query(
      `UPDATE tasks SET owner = $1, lease_expires_at = $2, attempts = attempts + 1, version = version + 1,
                        updated_at = $3
       WHERE id = $4 AND version = $5 AND owner IS NULL
       RETURNING *`,
      [owner, expiresAt, now, row.id, row.version],
    );
    if (changed.rowCount !== 1) throw new FactoryError(messages.taskChanged(row.id), ExitCode.refused);
    await this.appendLog(client, row, logRows.claim(row, owner, now));
    return toTask(changed.rows[0] as TaskRow);
  }

  private async extendLease(
    client: Client,
    row: TaskRow,
    owner: string,
    expiresAt: number,
    now: number,
  ): Promise<Task> {
    const changed = await client.query(
      'UPDATE tasks SET lease_expires_at = $1, updated_at = $2 WHERE id = $3 AND owner = $4 RETURNING *',
      [expiresAt, now, row.id, owner],
    );
    return toTask(changed.rows[0] as TaskRow);
  }

  async heartbeat(id: number, ownerInput: string, ttlSeconds: number): Promise<Task> {
    const owner = checkOwner(ownerInput);
    const ttlMs = checkTtl(ttlSeconds);
    return this.db.transaction(async (client) => {
      const now = this.now();
      const row = await this.requireRow(client, id, true);
      checkHeartbeat(row, owner, now);
      return this.extendLease(client, row, owner, now + ttlMs, now);
    });
  }

  async release(id: number, ownerInput: string, reason?: string): Promise<Task> {
    const owner = checkOwner(ownerInput);
    return this.db.transaction(async (client) => {
      const now = this.now();
      const row = await this.requireRow(client, id, true);
      checkRelease(row, owner);
      const changed = await client.query(
        `UPDATE tasks SET owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = $1
         WHERE id = $2 AND version = $3 RETURNING *`,
        [now, row.id, row.version],
      );
      await this.appendLog(client, row, logRows.release(row, owner, now, reason));
      return toTask(changed.rows[0] as TaskRow);
    });
  }

  /**
   * Reads the task, decides as the SQLite store does, then writes the new state and its log row in one
   * statement conditioned on the version and state it read (compare-and-set). Lost to a concurrent change,
   * it reads again and decides again on what is there now (an expected version then refuses), as a
   * serialized move would have.
   */
  async move(id: number, event: string, input: MoveInput): Promise<MoveResult> {
    const actor = checkOwner(input.actor);
    for (let attempt = 0; ; attempt++) {
      const now = this.now();
      const row = (await this.db.query<TaskRow>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0];
      if (!row) throw new FactoryError(messages.taskUnknown(id), ExitCode.usage);
      const workflow = workflowOfRow(this.workflows, row);
      let guarded = false;
      const { transition, phase, owner } = checkMove(row, workflow, event, input, actor, now, () => {
        guarded = true;
      });
      if (guarded) return this.guardedMove(id, event, input, actor);
      const changed = await this.db.query<TaskRow>(
        `WITH moved AS (
           UPDATE tasks SET state = $1, phase = $2, version = version + 1, owner = $3, lease_expires_at = $4,
                            updated_at = $5
           WHERE id = $6 AND version = $7 AND state = $8
           RETURNING *),
         logged AS (
           INSERT INTO task_log (task_id, version, kind, event, from_state, to_state, actor, owner, at, reason)
           SELECT id, version, 'move', $9, $8, state, $10, owner, $5, $11 FROM moved)
         SELECT * FROM moved`,
        [
          transition.to,
          phase,
          owner,
          owner === null ? null : row.lease_expires_at,
          now,
          row.id,
          row.version,
          row.state,
          event,
          actor,
          input.reason ?? null,
        ],
      );
      const moved = changed.rows[0];
      if (moved) return { task: toTask(moved), transition };
      if (attempt >= 5) throw new FactoryError(messages.taskChanged(row.id), ExitCode.refused);
    }
  }

  /**
   * A move whose transition has a guard: one transaction that locks the task's row, decides, asks the guard
   * (which reads through `query` inside the same transaction), then writes the move and its log row. The
   * lock keeps the task as the guard saw it until the move commits.
   */
  private async guardedMove(id: number, event: string, input: MoveInput, actor: string): Promise<MoveResult> {
    return this.db.transaction(async (client) => {
      const now = this.now();
      const row = await this.requireRow(client, id, true);
      const workflow = workflowOfRow(this.workflows, row);
      let pending: { transition: ResolvedTransition; name: string } | undefined;
      const { transition, phase, owner } = checkMove(row, workflow, event, input, actor, now, (t, name) => {
        pending = { transition: t, name };
      });
      if (pending) {
        const guard = findGuard(pending.name);
        if (!guard) {
          throw new FactoryError(messages.taskGuardMissing(row.id, event, pending.name), ExitCode.refused);
        }
        const verdict = await guard({
          task: guardedTask(row),
          transition: pending.transition,
          actor,
          backend: 'postgres',
          query: async (text, params = []) => (await client.query(text, [...params])).rows,
        });
        checkGuardVerdict(row, event, pending.name, verdict);
      }
      const changed = await client.query(
        `UPDATE tasks SET state = $1, phase = $2, version = version + 1, owner = $3, lease_expires_at = $4,
                          updated_at = $5
         WHERE id = $6 AND version = $7 RETURNING *`,
        [transition.to, phase, owner, owner === null ? null : row.lease_expires_at, now, row.id, row.version],
      );
      if (changed.rowCount !== 1) throw new FactoryError(messages.taskChanged(row.id), ExitCode.refused);
      await this.appendLog(
        client,
        row,
        logRows.move(row, { event, to: transition.to, actor, owner, reason: input.reason }, now),
      );
      return { task: toTask(changed.rows[0] as TaskRow), transition };
    });
  }

  async expireLeases(): Promise<ExpiredLease[]> {
    return this.db.transaction((client) => this.expireLeasesIn(client, this.now()));
  }

  private async expireLeasesIn(client: Client, now: number): Promise<ExpiredLease[]> {
    const rows = (
      await client.query(
        `SELECT * FROM tasks WHERE owner IS NOT NULL AND lease_expires_at < $1
         ORDER BY lease_expires_at FOR UPDATE SKIP LOCKED`,
        [now],
      )
    ).rows as TaskRow[];
    const expired: ExpiredLease[] = [];
    for (const row of rows) {
      const { to, phase, log, expired: lease } = leaseExpiry(this.workflows, row, now);
      const changed = await client.query(
        `UPDATE tasks SET owner = NULL, lease_expires_at = NULL, state = $1, phase = $2, version = version + 1,
                          updated_at = $3
         WHERE id = $4 AND version = $5`,
        [to, phase, now, row.id, row.version],
      );
      if (changed.rowCount !== 1) continue;
      await this.appendLog(client, row, log);
      expired.push(lease);
    }
    return expired;
  }

  async log(id?: number, limit?: number): Promise<LogEntry[]> {
    return this.db.read(async (client) => {
      if (id !== undefined) {
        await this.requireRow(client, id);
        const rows = (await client.query('SELECT * FROM task_log WHERE task_id = $1 ORDER BY version', [id]))
          .rows;
        return (rows as LogRow[]).map(toLogEntry);
      }
      const rows = (await client.query('SELECT * FROM task_log ORDER BY id DESC LIMIT $1', [limit ?? 100]))
        .rows;
      return (rows as LogRow[]).map(toLogEntry);
    });
  }

  async heldActiveTasks(owner: string): Promise<Task[]> {
    const now = this.now();
    const rows = await this.db.read(
      async (client) =>
        (
          await client.query(
            `SELECT * FROM tasks WHERE owner = $1 AND phase = 'active' AND lease_expires_at >= $2 ORDER BY id`,
            [owner, now],
          )
        ).rows as TaskRow[],
    );
    return rows.map(toTask);
  }

  async counts(): Promise<TaskCounts[]> {
    const rows = await this.db.read(
      async (client) =>
        (
          await client.query(
            `SELECT workflow, state, phase, count(*)::integer AS count FROM tasks GROUP BY workflow, state, phase
             ORDER BY workflow, state`,
          )
        ).rows as TaskCounts[],
    );
    return rows.map((c) => ({ workflow: c.workflow, state: c.state, phase: c.phase, count: c.count }));
  }

  async leases(): Promise<Lease[]> {
    const now = this.now();
    const rows = await this.db.read(
      async (client) =>
        (await client.query('SELECT * FROM tasks WHERE owner IS NOT NULL ORDER BY lease_expires_at, id'))
          .rows as TaskRow[],
    );
    return rows.map((row) => toLease(row, now));
  }

  async audit(): Promise<string[]> {
    return this.db.read(async (client) => {
      const tasks = (await client.query('SELECT * FROM tasks')).rows as TaskRow[];
      const log = (await client.query('SELECT * FROM task_log ORDER BY task_id, version')).rows as LogRow[];
      return auditHistory(tasks, log);
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
