import type { WorkflowSet } from '../workflow/workflow.js';
import { asyncResources, ResourceStore, type TaskResources } from './resources.js';
import type {
  AddTaskInput,
  ClaimInput,
  ExpiredLease,
  Lease,
  ListFilter,
  LogEntry,
  MoveInput,
  MoveResult,
  Task,
  TaskCounts,
  TaskStore,
} from './tasks.js';

/**
 * Tasks moving through workflows, whatever holds them: the repository's SQLite file (the embedded
 * default) or a PostgreSQL database shared by a team (`FACTORY_STATE_URL`). Both implementations keep the
 * same guarantees (docs/state.md): every change one transaction with its log row, compare-and-set moves,
 * one owner per lease, an append-only log that replays to the state; one behaviour suite runs against both.
 *
 * Asynchronous because a server is. The hot paths (git gates, the guard's hooks) do not use it: they stay
 * on the synchronous SQLite `TaskStore` and its thin helpers, with nothing of `pg` loaded.
 */
export interface WorkflowStore {
  /** `sqlite` or `postgres`: what `factory status` shows and where messages point. */
  readonly backend: 'sqlite' | 'postgres';
  /** Where the state lives, for people: a file path, or the server's URL without its password. */
  readonly location: string;
  readonly workflows: WorkflowSet;
  add(input: AddTaskInput): Promise<{ task: Task; created: boolean }>;
  get(id: number): Promise<Task>;
  find(id: number): Promise<Task | undefined>;
  findByKey(key: string): Promise<Task | undefined>;
  list(filter?: ListFilter): Promise<Task[]>;
  /** The events the task's workflow allows in its current state (no I/O). */
  allowedEvents(task: Task): string[];
  claim(input: ClaimInput): Promise<Task | undefined>;
  claimTask(id: number, owner: string, ttlSeconds: number): Promise<Task>;
  heartbeat(id: number, owner: string, ttlSeconds: number): Promise<Task>;
  release(id: number, owner: string, reason?: string): Promise<Task>;
  move(id: number, event: string, input: MoveInput): Promise<MoveResult>;
  expireLeases(): Promise<ExpiredLease[]>;
  log(id?: number, limit?: number): Promise<LogEntry[]>;
  heldActiveTasks(owner: string): Promise<Task[]>;
  counts(): Promise<TaskCounts[]>;
  leases(): Promise<Lease[]>;
  /** What tasks hold outside the database (worktrees, branches, pids, ports), for recovery to reclaim. */
  readonly resources: TaskResources;
  /** Replays the log against the tasks: empty when the history is whole (see TaskStore.audit). */
  audit(): Promise<string[]>;
  close(): Promise<void>;
}

/** The SQLite TaskStore behind the asynchronous interface: the same calls, answered at once. */
export class SqliteWorkflowStore implements WorkflowStore {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  readonly workflows: WorkflowSet;
  readonly resources: TaskResources;

  constructor(
    readonly tasks: TaskStore,
    private readonly onClose: () => void = () => {},
    resources: ResourceStore = new ResourceStore(tasks.store),
  ) {
    this.workflows = tasks.workflows;
    this.location = tasks.store.path;
    this.resources = asyncResources(resources);
  }

  async add(input: AddTaskInput) {
    return this.tasks.add(input);
  }
  async get(id: number) {
    return this.tasks.get(id);
  }
  async find(id: number) {
    return this.tasks.find(id);
  }
  async findByKey(key: string) {
    return this.tasks.findByKey(key);
  }
  async list(filter?: ListFilter) {
    return this.tasks.list(filter);
  }
  allowedEvents(task: Task) {
    return this.tasks.allowedEvents(task);
  }
  async claim(input: ClaimInput) {
    return this.tasks.claim(input);
  }
  async claimTask(id: number, owner: string, ttlSeconds: number) {
    return this.tasks.claimTask(id, owner, ttlSeconds);
  }
  async heartbeat(id: number, owner: string, ttlSeconds: number) {
    return this.tasks.heartbeat(id, owner, ttlSeconds);
  }
  async release(id: number, owner: string, reason?: string) {
    return this.tasks.release(id, owner, reason);
  }
  async move(id: number, event: string, input: MoveInput) {
    return this.tasks.move(id, event, input);
  }
  async expireLeases() {
    return this.tasks.expireLeases();
  }
  async log(id?: number, limit?: number) {
    return this.tasks.log(id, limit);
  }
  async heldActiveTasks(owner: string) {
    return this.tasks.heldActiveTasks(owner);
  }
  async counts() {
    return this.tasks.counts();
  }
  async leases() {
    return this.tasks.leases();
  }
  async audit() {
    return this.tasks.audit();
  }
  async close() {
    this.onClose();
  }
}
