import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { findGuard, type GuardResult, type GuardTask } from '../workflow/guards.js';
import type { ResolvedTransition, StatePhase } from '../workflow/types.js';
import { type Workflow, WorkflowSet } from '../workflow/workflow.js';
import { coreSchema } from './migrations/index.js';
import type { StateStore } from './store.js';

/** A task as the library hands it out: times are ISO strings, `data` is parsed. */
export interface Task {
  readonly id: number;
  readonly workflow: string;
  readonly state: string;
  readonly phase: StatePhase;
  /** How many log rows the task has: every change bumps it; compare-and-set compares it. */
  readonly version: number;
  readonly title: string;
  /** The idempotency key (e.g. `github:owner/repo#12`): adding a task with the same key returns this one. */
  readonly key: string | null;
  readonly priority: number;
  readonly data: Record<string, unknown>;
  /** Who holds the lease, or null when the task is free. */
  readonly owner: string | null;
  readonly leaseExpiresAt: string | null;
  /** How many times the task was claimed. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type LogKind = 'create' | 'move' | 'claim' | 'release' | 'expire';

/** One row of a task's append-only history. */
export interface LogEntry {
  readonly id: number;
  readonly taskId: number;
  /** The task's version after this row. */
  readonly version: number;
  readonly kind: LogKind;
  readonly event: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
  /** The lease owner after this row. */
  readonly owner: string | null;
  readonly at: string;
  readonly reason: string | null;
}

export interface AddTaskInput {
  readonly title: string;
  readonly workflow?: string;
  readonly key?: string;
  readonly priority?: number;
  readonly data?: Record<string, unknown>;
  readonly maxAttempts?: number;
  readonly actor?: string;
}

export interface ClaimInput {
  readonly owner: string;
  readonly ttlSeconds: number;
  /** Only tasks of this workflow. */
  readonly workflow?: string;
  /** Only tasks in these states (any non-terminal phase); without it, free tasks in active states. */
  readonly states?: readonly string[];
}

export interface MoveInput {
  readonly actor: string;
  /** Compare-and-set: refuse unless the task still has this version. */
  readonly expectVersion?: number;
  /** Compare-and-set: refuse unless the task is still in this state. */
  readonly expectState?: string;
  readonly reason?: string;
}

export interface ListFilter {
  readonly workflow?: string;
  readonly state?: string;
  readonly phase?: StatePhase;
  readonly owner?: string;
  readonly limit?: number;
}

export interface MoveResult {
  readonly task: Task;
  readonly transition: ResolvedTransition;
}

/** A lease that `recover` found expired, and what became of its task. */
export interface ExpiredLease {
  readonly taskId: number;
  readonly owner: string;
  readonly expiredAt: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  /** The state the task is in now: the same one, or the workflow's fail state when out of attempts. */
  readonly state: string;
  readonly failed: boolean;
}

export interface TaskCounts {
  readonly workflow: string;
  readonly state: string;
  readonly phase: StatePhase;
  readonly count: number;
}

export interface Lease {
  readonly taskId: number;
  readonly title: string;
  readonly workflow: string;
  readonly state: string;
  readonly owner: string;
  readonly expiresAt: string;
  readonly expired: boolean;
}

/** A row of `tasks` as both backends return it. */
export interface TaskRow {
  id: number;
  workflow: string;
  state: string;
  phase: StatePhase;
  version: number;
  title: string;
  idempotency_key: string | null;
  priority: number;
  data: string;
  owner: string | null;
  lease_expires_at: number | null;
  attempts: number;
  max_attempts: number;
  created_at: number;
  updated_at: number;
}

/** A row of `task_log` as both backends return it. */
export interface LogRow {
  id: number;
  task_id: number;
  version: number;
  kind: LogKind;
  event: string;
  from_state: string | null;
  to_state: string;
  actor: string;
  owner: string | null;
  at: number;
  reason: string | null;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
const MAX_TTL_SECONDS = 7 * 24 * 3600;

export const iso = (ms: number) => new Date(ms).toISOString();

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    workflow: row.workflow,
    state: row.state,
    phase: row.phase,
    version: row.version,
    title: row.title,
    key: row.idempotency_key,
    priority: row.priority,
    data: JSON.parse(row.data) as Record<string, unknown>,
    owner: row.owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : iso(row.lease_expires_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toLogEntry(row: LogRow): LogEntry {
  return {
    id: row.id,
    taskId: row.task_id,
    version: row.version,
    kind: row.kind,
    event: row.event,
    from: row.from_state,
    to: row.to_state,
    actor: row.actor,
    owner: row.owner,
    at: iso(row.at),
    reason: row.reason,
  };
}

export function checkTtl(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new FactoryError(messages.taskBadTtl(ttlSeconds, MAX_TTL_SECONDS), ExitCode.usage);
  }
  return Math.round(ttlSeconds * 1000);
}

export function checkOwner(owner: string): string {
  if (typeof owner !== 'string' || owner.trim() === '') {
    throw new FactoryError(messages.taskOwnerMissing, ExitCode.usage);
  }
  return owner;
}

/** The checked fields of a new task (both backends validate the same way). */
export function checkNewTask(workflows: WorkflowSet, input: AddTaskInput) {
  const workflow = workflows.get(input.workflow ?? 'ticket');
  const title = input.title.trim();
  if (title === '') throw new FactoryError(messages.taskTitleMissing, ExitCode.usage);
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new FactoryError(messages.taskBadMaxAttempts(maxAttempts), ExitCode.usage);
  }
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority)) throw new FactoryError(messages.taskBadPriority(priority), ExitCode.usage);
  return { workflow, title, maxAttempts, priority, actor: input.actor ?? 'factory' };
}

/**
 * A new task's values for `tasks` (workflow, state, phase, title, idempotency_key, priority, data,
 * max_attempts), as both stores insert them: it starts in its workflow's initial state.
 */
export function newTaskValues(
  checked: ReturnType<typeof checkNewTask>,
  input: AddTaskInput,
): [string, string, StatePhase, string, string | null, number, string, number] {
  const { workflow } = checked;
  return [
    workflow.name,
    workflow.initial,
    workflow.phase(workflow.initial),
    checked.title,
    input.key ?? null,
    checked.priority,
    JSON.stringify(input.data ?? {}),
    checked.maxAttempts,
  ];
}

/**
 * Whether `actor` may fire `event` on the task as it is now (both backends decide the same way): the
 * expected version and state still hold, no other owner holds a live lease, the actor's own lease did not
 * run out, the workflow allows the event, and its guard (run by `runGuard`, which throws to refuse) agrees.
 * Returns the transition and the phase and owner the task will have; reaching a terminal state ends the lease.
 */
export function checkMove(
  row: TaskRow,
  workflow: Workflow,
  event: string,
  input: MoveInput,
  actor: string,
  now: number,
  runGuard: (transition: ResolvedTransition, guard: string) => void,
): { transition: ResolvedTransition; phase: StatePhase; owner: string | null } {
  if (input.expectVersion !== undefined && row.version !== input.expectVersion) {
    throw new FactoryError(
      messages.taskVersionConflict(row.id, input.expectVersion, row.version),
      ExitCode.refused,
    );
  }
  if (input.expectState !== undefined && row.state !== input.expectState) {
    throw new FactoryError(
      messages.taskStateConflict(row.id, input.expectState, row.state),
      ExitCode.refused,
    );
  }
  if (row.owner !== null && row.owner !== actor && (row.lease_expires_at ?? 0) >= now) {
    throw new FactoryError(
      messages.taskHeldByOther(row.id, row.owner, iso(row.lease_expires_at ?? now)),
      ExitCode.refused,
    );
  }
  if (row.owner === actor && (row.lease_expires_at ?? 0) < now) {
    throw new FactoryError(messages.taskLeaseLost(row.id, actor, row.owner), ExitCode.refused);
  }
  const transition = workflow.transition(row.state, event);
  if (!transition) {
    throw new FactoryError(
      messages.taskIllegalMove(row.id, row.workflow, row.state, event, workflow.allowedEvents(row.state)),
      ExitCode.refused,
    );
  }
  if (transition.guard !== undefined) runGuard(transition, transition.guard);
  const phase = workflow.phase(transition.to);
  return { transition, phase, owner: phase === 'terminal' ? null : row.owner };
}

/** A history row being written, beside the change of the task's row it records. */
export interface LogWrite {
  readonly kind: LogKind;
  readonly event: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
  /** The lease owner after the change. */
  readonly owner: string | null;
  readonly at: number;
  readonly reason: string | null;
}

/** The values of a `task_log` row in column order (task_id ... reason); `row` is the task before the change. */
export function logValues(
  row: TaskRow,
  entry: LogWrite,
): [number, number, LogKind, string, string | null, string, string, string | null, number, string | null] {
  return [
    row.id,
    row.version + 1,
    entry.kind,
    entry.event,
    entry.from,
    entry.to,
    entry.actor,
    entry.owner,
    entry.at,
    entry.reason,
  ];
}

/** The history rows both stores write for a claim, a release and a move (`row`: the task before it). */
export const logRows = {
  claim: (row: TaskRow, owner: string, at: number): LogWrite => ({
    kind: 'claim',
    event: 'claim',
    from: row.state,
    to: row.state,
    actor: owner,
    owner,
    at,
    reason: null,
  }),
  release: (row: TaskRow, owner: string, at: number, reason: string | undefined): LogWrite => ({
    kind: 'release',
    event: 'release',
    from: row.state,
    to: row.state,
    actor: owner,
    owner: null,
    at,
    reason: reason ?? null,
  }),
  move: (
    row: TaskRow,
    move: { event: string; to: string; actor: string; owner: string | null; reason: string | undefined },
    at: number,
  ): LogWrite => ({
    kind: 'move',
    event: move.event,
    from: row.state,
    to: move.to,
    actor: move.actor,
    owner: move.owner,
    at,
    reason: move.reason ?? null,
  }),
};

/** The workflow of a task row; a task whose workflow is no longer configured is refused by name. */
export function workflowOfRow(workflows: WorkflowSet, row: TaskRow): Workflow {
  const workflow = workflows.find(row.workflow);
  if (!workflow) {
    throw new FactoryError(
      messages.taskWorkflowGone(row.id, row.workflow, workflows.names()),
      ExitCode.usage,
    );
  }
  return workflow;
}

/**
 * Whether `owner` may claim the task (both backends decide the same way): `extend` when it holds it
 * already, `take` when it is free; refused (exit 1) when it ended or another owner holds it.
 */
export function checkClaimTask(row: TaskRow, owner: string, now: number): 'extend' | 'take' {
  if (row.phase === 'terminal')
    throw new FactoryError(messages.taskEnded(row.id, row.state), ExitCode.refused);
  if (row.owner === owner) return 'extend';
  if (row.owner !== null) {
    throw new FactoryError(
      messages.taskHeldByOther(row.id, row.owner, iso(row.lease_expires_at ?? now)),
      ExitCode.refused,
    );
  }
  return 'take';
}

/** A heartbeat needs the lease to be `owner`'s and still live; refused (exit 1) otherwise. */
export function checkHeartbeat(row: TaskRow, owner: string, now: number): void {
  if (row.owner !== owner || row.lease_expires_at === null || row.lease_expires_at < now) {
    throw new FactoryError(messages.taskLeaseLost(row.id, owner, row.owner), ExitCode.refused);
  }
}

/** A release needs the lease to be `owner`'s; refused (exit 1) otherwise. */
export function checkRelease(row: TaskRow, owner: string): void {
  if (row.owner !== owner)
    throw new FactoryError(messages.taskNotHeld(row.id, owner, row.owner), ExitCode.refused);
}

/** The task as a transition's guard sees it. */
export function guardedTask(row: TaskRow): GuardTask {
  return {
    id: row.id,
    workflow: row.workflow,
    state: row.state,
    version: row.version,
    owner: row.owner,
    key: row.idempotency_key,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** A guard's answer: anything but `true` refuses the move (exit 1) with the guard's reason. */
export function checkGuardVerdict(row: TaskRow, event: string, name: string, verdict: GuardResult): void {
  if (verdict !== true) {
    throw new FactoryError(messages.taskGuardRefused(row.id, event, name, verdict), ExitCode.refused);
  }
}

/**
 * What an expired lease does to its task: back to claimable in its state, or to the workflow's fail state
 * once it was claimed `maxAttempts` times; with the log row's reason and the report of it.
 */
export function leaseExpiry(
  workflows: WorkflowSet,
  row: TaskRow,
  now: number,
): { to: string; phase: StatePhase; log: LogWrite; expired: ExpiredLease } {
  const workflow = workflows.find(row.workflow);
  const failed = row.attempts >= row.max_attempts && workflow !== undefined;
  const to = failed ? workflow!.failState : row.state;
  const phase = failed ? workflow!.phase(to) : row.phase;
  const reason = failed
    ? `lease of ${row.owner} expired after attempt ${row.attempts} of ${row.max_attempts}`
    : `lease of ${row.owner} expired`;
  return {
    to,
    phase,
    log: {
      kind: 'expire',
      event: 'lease-expired',
      from: row.state,
      to,
      actor: 'recover',
      owner: null,
      at: now,
      reason,
    },
    expired: {
      taskId: row.id,
      owner: row.owner!,
      expiredAt: iso(row.lease_expires_at!),
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      state: to,
      failed,
    },
  };
}

/** A held task as `factory status` lists its lease. */
export function toLease(row: TaskRow, now: number): Lease {
  return {
    taskId: row.id,
    title: row.title,
    workflow: row.workflow,
    state: row.state,
    owner: row.owner!,
    expiresAt: iso(row.lease_expires_at!),
    expired: row.lease_expires_at! < now,
  };
}

/** The columns and values of a list filter, in order (each backend writes its own placeholders). */
export function listConditions(filter: ListFilter): Array<[column: string, value: string]> {
  const conditions: Array<[string, string]> = [];
  if (filter.workflow !== undefined) conditions.push(['workflow', filter.workflow]);
  if (filter.state !== undefined) conditions.push(['state', filter.state]);
  if (filter.phase !== undefined) conditions.push(['phase', filter.phase]);
  if (filter.owner !== undefined) conditions.push(['owner', filter.owner]);
  return conditions;
}

/**
 * Replays the log against the task rows: the log must start with `create`, each row must leave from the
 * state the previous one reached, versions must count up by one, no claim while another owner held it, and
 * the last row must give the task's state, version and owner. An empty list means the history is whole.
 */
export function auditHistory(taskRows: Iterable<TaskRow>, logRows: Iterable<LogRow>): string[] {
  const problems: string[] = [];
  const tasks = new Map<number, TaskRow>();
  for (const row of taskRows) tasks.set(row.id, row);
  const replayed = new Map<number, { state: string | null; owner: string | null; version: number }>();
  for (const entry of logRows) {
    const seen = replayed.get(entry.task_id) ?? { state: null, owner: null, version: 0 };
    if (entry.version !== seen.version + 1) {
      problems.push(`task ${entry.task_id}: log version ${entry.version} follows ${seen.version}`);
    }
    if (entry.from_state !== seen.state) {
      problems.push(
        `task ${entry.task_id}: log row ${entry.version} (${entry.event}) leaves ${entry.from_state} but the task was in ${seen.state}`,
      );
    }
    if (entry.kind === 'claim' && seen.owner !== null) {
      problems.push(`task ${entry.task_id}: claimed by ${entry.owner} while ${seen.owner} held it`);
    }
    replayed.set(entry.task_id, { state: entry.to_state, owner: entry.owner, version: entry.version });
  }
  for (const [id, row] of tasks) {
    const seen = replayed.get(id);
    if (!seen) {
      problems.push(`task ${id}: has no log`);
      continue;
    }
    if (seen.state !== row.state)
      problems.push(`task ${id}: log replays to ${seen.state}, task is in ${row.state}`);
    if (seen.version !== row.version)
      problems.push(`task ${id}: log has ${seen.version} rows, task version is ${row.version}`);
    if (seen.owner !== row.owner)
      problems.push(`task ${id}: log says owner ${seen.owner}, task says ${row.owner}`);
  }
  for (const id of replayed.keys()) if (!tasks.has(id)) problems.push(`task ${id}: log rows without a task`);
  return problems;
}

export interface TaskStoreOptions {
  readonly workflows?: WorkflowSet;
  /** Milliseconds since the epoch; tests pass their own clock to move time without sleeping. */
  readonly clock?: () => number;
}

/**
 * Tasks moving through workflows, on the repository's state database.
 *
 * Every change is one BEGIN IMMEDIATE transaction that updates the task row and appends its log row
 * together: a crash leaves either both or neither. Moves are compare-and-set on the task's version, leases
 * expire, and a lease is only ever held by one owner: the claim is an UPDATE conditioned on the task
 * being free, inside the write lock.
 */
export class TaskStore {
  readonly store: StateStore;
  readonly workflows: WorkflowSet;
  private readonly now: () => number;

  constructor(store: StateStore, options: TaskStoreOptions = {}) {
    store.ensure(coreSchema);
    this.store = store;
    this.workflows = options.workflows ?? WorkflowSet.defaults();
    this.now = options.clock ?? Date.now;
  }

  private get db(): DatabaseSync {
    return this.store.db;
  }

  /** Prepared once per connection (StateStore.statement): move and claim reuse their statements. */
  private sql(text: string): StatementSync {
    return this.store.statement(text);
  }

  private row(id: number): TaskRow | undefined {
    return this.sql('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  }

  private requireRow(id: number): TaskRow {
    const row = this.row(id);
    if (!row) throw new FactoryError(messages.taskUnknown(id), ExitCode.usage);
    return row;
  }

  private appendLog(row: TaskRow, entry: LogWrite): void {
    this.sql(
      `INSERT INTO task_log (task_id, version, kind, event, from_state, to_state, actor, owner, at, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...logValues(row, entry));
  }

  /** Adds a task in its workflow's initial state; with a key that exists, returns that task instead. */
  add(input: AddTaskInput): { task: Task; created: boolean } {
    const checked = checkNewTask(this.workflows, input);
    const { workflow, actor } = checked;
    return this.store.write(() => {
      if (input.key !== undefined) {
        const existing = this.sql('SELECT * FROM tasks WHERE idempotency_key = ?').get(input.key) as
          | TaskRow
          | undefined;
        if (existing) {
          if (existing.workflow !== workflow.name) {
            throw new FactoryError(
              messages.taskKeyOtherWorkflow(input.key, existing.id, existing.workflow, workflow.name),
              ExitCode.usage,
            );
          }
          return { task: toTask(existing), created: false };
        }
      }
      const now = this.now();
      const result = this.sql(
        `INSERT INTO tasks (workflow, state, phase, version, title, idempotency_key, priority, data,
                            max_attempts, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...newTaskValues(checked, input), now, now);
      const id = Number(result.lastInsertRowid);
      const row = this.requireRow(id);
      this.appendLog(
        { ...row, version: 0 },
        {
          kind: 'create',
          event: 'create',
          from: null,
          to: workflow.initial,
          actor,
          owner: null,
          at: now,
          reason: null,
        },
      );
      return { task: toTask(row), created: true };
    });
  }

  get(id: number): Task {
    return toTask(this.store.read(() => this.requireRow(id)));
  }

  find(id: number): Task | undefined {
    const row = this.store.read(() => this.row(id));
    return row ? toTask(row) : undefined;
  }

  findByKey(key: string): Task | undefined {
    const row = this.store.read(
      () => this.sql('SELECT * FROM tasks WHERE idempotency_key = ?').get(key) as TaskRow | undefined,
    );
    return row ? toTask(row) : undefined;
  }

  list(filter: ListFilter = {}): Task[] {
    const conditions = listConditions(filter);
    const where = conditions.map(([column]) => `${column} = ?`);
    const args: SQLInputValue[] = conditions.map(([, value]) => value);
    const text = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id${
      filter.limit !== undefined ? ' LIMIT ?' : ''
    }`;
    if (filter.limit !== undefined) args.push(filter.limit);
    return this.store.read(() => (this.sql(text).all(...args) as unknown as TaskRow[]).map(toTask));
  }

  /** The events the task's workflow allows in its current state. */
  allowedEvents(task: Task): string[] {
    return this.workflows.get(task.workflow).allowedEvents(task.state);
  }

  /**
   * Claims one free task for `owner` with a lease of `ttlSeconds`: the highest priority, then the oldest.
   * Expired leases are recovered first (in the same transaction). Undefined when no task is free.
   */
  claim(input: ClaimInput): Task | undefined {
    const owner = checkOwner(input.owner);
    const ttlMs = checkTtl(input.ttlSeconds);
    if (input.workflow !== undefined) this.workflows.get(input.workflow);
    return this.store.write(() => {
      const now = this.now();
      this.expireLeasesLocked(now);
      const where = ['owner IS NULL'];
      const args: SQLInputValue[] = [];
      if (input.states && input.states.length > 0) {
        where.push(`phase != 'terminal'`, `state IN (${input.states.map(() => '?').join(', ')})`);
        args.push(...input.states);
      } else {
        where.push(`phase = 'active'`);
      }
      if (input.workflow !== undefined) {
        where.push('workflow = ?');
        args.push(input.workflow);
      }
      const row = this.sql(
        `SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY priority DESC, id LIMIT 1`,
      ).get(...args) as TaskRow | undefined;
      if (!row) return undefined;
      return this.takeLease(row, owner, now + ttlMs, now);
    });
  }

  /**
   * Claims the given task for `owner`. Refused (exit 1) while another owner's lease is live; the same owner
   * claiming again just extends its lease.
   */
  claimTask(id: number, ownerInput: string, ttlSeconds: number): Task {
    const owner = checkOwner(ownerInput);
    const ttlMs = checkTtl(ttlSeconds);
    return this.store.write(() => {
      const now = this.now();
      this.expireLeasesLocked(now);
      const row = this.requireRow(id);
      return checkClaimTask(row, owner, now) === 'extend'
        ? this.extendLease(row, owner, now + ttlMs, now)
        : this.takeLease(row, owner, now + ttlMs, now);
    });
  }

  private takeLease(row: TaskRow, owner: string, expiresAt: number, now: number): Task {
    const changed = this.sql(
      `UPDATE tasks SET owner = ?, lease_expires_at = ?, attempts = attempts + 1, version = version + 1,
                        updated_at = ?
       WHERE id = ? AND version = ? AND owner IS NULL`,
    ).run(owner, expiresAt, now, row.id, row.version);
    if (changed.changes !== 1) throw new FactoryError(messages.taskChanged(row.id), ExitCode.refused);
    this.appendLog(row, logRows.claim(row, owner, now));
    return toTask(this.requireRow(row.id));
  }

  private extendLease(row: TaskRow, owner: string, expiresAt: number, now: number): Task {
    this.sql('UPDATE tasks SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND owner = ?').run(
      expiresAt,
      now,
      row.id,
      owner,
    );
    return toTask(this.requireRow(row.id));
  }

  /** Extends the lease `owner` holds on the task; refused (exit 1) when the lease was lost or expired. */
  heartbeat(id: number, ownerInput: string, ttlSeconds: number): Task {
    const owner = checkOwner(ownerInput);
    const ttlMs = checkTtl(ttlSeconds);
    return this.store.write(() => {
      const now = this.now();
      const row = this.requireRow(id);
      checkHeartbeat(row, owner, now);
      return this.extendLease(row, owner, now + ttlMs, now);
    });
  }

  /** Gives up the lease `owner` holds; the task keeps its state and becomes free to claim. */
  release(id: number, ownerInput: string, reason?: string): Task {
    const owner = checkOwner(ownerInput);
    return this.store.write(() => {
      const now = this.now();
      const row = this.requireRow(id);
      checkRelease(row, owner);
      this.sql(
        `UPDATE tasks SET owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = ?
         WHERE id = ? AND version = ?`,
      ).run(now, row.id, row.version);
      this.appendLog(row, logRows.release(row, owner, now, reason));
      return toTask(this.requireRow(row.id));
    });
  }

  /**
   * Fires `event` on the task: a compare-and-set on its state and version, with its log row, in one
   * transaction. Refused (exit 1) when the workflow does not allow the event in the current state (the
   * message names the allowed ones), when a guard says no, when the expected version or state no longer
   * holds, or when another owner holds a live lease. Reaching a terminal state ends the lease.
   */
  move(id: number, event: string, input: MoveInput): MoveResult {
    const actor = checkOwner(input.actor);
    return this.store.write(() => {
      const now = this.now();
      const row = this.requireRow(id);
      const workflow = workflowOfRow(this.workflows, row);
      const { transition, phase, owner } = checkMove(row, workflow, event, input, actor, now, (t, name) =>
        this.runGuard(row, t, name, event, actor),
      );
      // The common move keeps phase and owner: an UPDATE that touches no indexed column writes one page.
      const changed =
        phase === row.phase && owner === row.owner
          ? this.sql(
              `UPDATE tasks SET state = ?, version = version + 1, updated_at = ?
               WHERE id = ? AND version = ? AND state = ?`,
            ).run(transition.to, now, row.id, row.version, row.state)
          : this.sql(
              `UPDATE tasks SET state = ?, phase = ?, version = version + 1, owner = ?, lease_expires_at = ?,
                                updated_at = ?
               WHERE id = ? AND version = ? AND state = ?`,
            ).run(
              transition.to,
              phase,
              owner,
              owner === null ? null : row.lease_expires_at,
              now,
              row.id,
              row.version,
              row.state,
            );
      if (changed.changes !== 1) throw new FactoryError(messages.taskChanged(row.id), ExitCode.refused);
      this.appendLog(
        row,
        logRows.move(row, { event, to: transition.to, actor, owner, reason: input.reason }, now),
      );
      return {
        task: toTask({
          ...row,
          state: transition.to,
          phase,
          version: row.version + 1,
          owner,
          lease_expires_at: owner === null ? null : row.lease_expires_at,
          updated_at: now,
        }),
        transition,
      };
    });
  }

  /** Runs a transition's guard inside the move's transaction; an unregistered guard refuses. */
  private runGuard(
    row: TaskRow,
    transition: ResolvedTransition,
    name: string,
    event: string,
    actor: string,
  ): void {
    const guard = findGuard(name);
    if (!guard) throw new FactoryError(messages.taskGuardMissing(row.id, event, name), ExitCode.refused);
    const verdict = guard({
      task: guardedTask(row),
      transition,
      actor,
      backend: 'sqlite',
      db: this.db,
    });
    if (typeof verdict === 'object' && verdict !== null) {
      // A promise: the answer would come after the write lock is gone. Refused, and its outcome ignored.
      (verdict as Promise<unknown>).catch(() => {});
      throw new FactoryError(messages.taskGuardAsync(row.id, event, name), ExitCode.refused);
    }
    checkGuardVerdict(row, event, name, verdict);
  }

  /**
   * Frees every lease that expired: the task goes back to claimable, or to its workflow's fail state when
   * it was claimed `maxAttempts` times already. Each gets an `expire` log row.
   */
  expireLeases(): ExpiredLease[] {
    return this.store.write(() => this.expireLeasesLocked(this.now()));
  }

  private expireLeasesLocked(now: number): ExpiredLease[] {
    const rows = this.sql(
      'SELECT * FROM tasks WHERE owner IS NOT NULL AND lease_expires_at < ? ORDER BY lease_expires_at',
    ).all(now) as unknown as TaskRow[];
    const expired: ExpiredLease[] = [];
    for (const row of rows) {
      const { to, phase, log, expired: lease } = leaseExpiry(this.workflows, row, now);
      this.sql(
        `UPDATE tasks SET owner = NULL, lease_expires_at = NULL, state = ?, phase = ?, version = version + 1,
                          updated_at = ?
         WHERE id = ? AND version = ?`,
      ).run(to, phase, now, row.id, row.version);
      this.appendLog(row, log);
      expired.push(lease);
    }
    return expired;
  }

  /** The log of one task (oldest first), or of every task (newest first, up to `limit`). */
  log(id?: number, limit?: number): LogEntry[] {
    return this.store.read(() => {
      if (id !== undefined) {
        this.requireRow(id);
        return (
          this.sql('SELECT * FROM task_log WHERE task_id = ? ORDER BY version').all(id) as unknown as LogRow[]
        ).map(toLogEntry);
      }
      return (
        this.sql('SELECT * FROM task_log ORDER BY id DESC LIMIT ?').all(limit ?? 100) as unknown as LogRow[]
      ).map(toLogEntry);
    });
  }

  /**
   * Tasks that `owner` holds with a live lease in an active state: unfinished work that was neither ended
   * nor handed over. The guard's Stop hook asks this before letting a session stop.
   */
  heldActiveTasks(owner: string): Task[] {
    return this.store.read(() =>
      (
        this.sql(
          `SELECT * FROM tasks WHERE owner = ? AND phase = 'active' AND lease_expires_at >= ? ORDER BY id`,
        ).all(owner, this.now()) as unknown as TaskRow[]
      ).map(toTask),
    );
  }

  /** How many tasks are in each state, per workflow. */
  counts(): TaskCounts[] {
    return this.store.read(() =>
      (
        this.sql(
          `SELECT workflow, state, phase, count(*) AS count FROM tasks GROUP BY workflow, state, phase
           ORDER BY workflow, state`,
        ).all() as unknown as TaskCounts[]
      ).map((c) => ({ workflow: c.workflow, state: c.state, phase: c.phase, count: c.count })),
    );
  }

  /** Every lease, live and expired (not yet recovered), soonest expiry first. */
  leases(): Lease[] {
    const now = this.now();
    return this.store.read(() =>
      (
        this.sql(
          'SELECT * FROM tasks WHERE owner IS NOT NULL ORDER BY lease_expires_at, id',
        ).all() as unknown as TaskRow[]
      ).map((row) => toLease(row, now)),
    );
  }

  /**
   * Replays every task's log and compares it with the task row: the log must start with `create`, each row
   * must leave from the state the previous one reached, versions must count up by one, and the last row
   * must give the task's state, version and owner. An empty list means the history is whole.
   */
  audit(): string[] {
    return this.store.read(() =>
      auditHistory(
        this.sql('SELECT * FROM tasks').all() as unknown as TaskRow[],
        this.sql('SELECT * FROM task_log ORDER BY task_id, version').all() as unknown as LogRow[],
      ),
    );
  }

  /** The current time of this store's clock (ms since the epoch). */
  clockNow(): number {
    return this.now();
  }
}
