import { resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import type { RepositoryState } from '@factory/core/state/repository';
import type { Resource, ResourceKind } from '@factory/core/state/resources';
import type { LogEntry, Task } from '@factory/core/state/tasks';
import type { WorkflowStore } from '@factory/core/state/workflow-store';
import type { WorkflowSet } from '@factory/core/workflow/workflow';
import type { Argv, CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import {
  defaultActor,
  openWorkflowState,
  repositoryRoot,
  repositoryStateSettings,
  repositoryWorkflows,
  type StateArgs,
} from '../state-context.js';

interface TaskArgs extends StateArgs {
  readonly id?: string;
  readonly title?: string;
  readonly event?: string;
  readonly workflow?: string;
  readonly key?: string;
  readonly priority?: number;
  readonly 'max-attempts'?: number;
  readonly data?: string;
  readonly state?: string[] | string;
  readonly phase?: string;
  readonly owner?: string;
  readonly ttl?: number;
  readonly task?: string;
  readonly 'expect-version'?: number;
  readonly 'expect-state'?: string;
  readonly reason?: string;
  readonly limit?: number;
  readonly mermaid?: boolean;
  readonly kind?: string;
  readonly value?: string;
  readonly prompt?: string;
  readonly repo?: string[] | string;
  readonly manifest?: string;
}

/**
 * Opens the repository's workflow state (PostgreSQL with FACTORY_STATE_URL, else .factory/state.db) with its
 * workflows, runs `fn`, closes. `local` is the SQLite state when that is where the tasks are.
 */
async function withState<T>(
  args: TaskArgs,
  fn: (store: WorkflowStore, local: RepositoryState | undefined, workflows: WorkflowSet) => Promise<T> | T,
  before?: (workflows: WorkflowSet) => void,
  access: 'read' | 'write' = 'write',
): Promise<T> {
  const root = repositoryRoot(args);
  const { workflows, location } = await repositoryStateSettings(root);
  // Input that is wrong whatever the database holds is refused before the database is even opened.
  before?.(workflows);
  const { store, local } = await openWorkflowState(root, workflows, location, access);
  try {
    return await fn(store, local, workflows);
  } finally {
    await store.close();
  }
}

/** A task is named by its number or by its idempotency key (e.g. `github:owner/repo#12`). */
async function taskId(store: WorkflowStore, text: string | undefined): Promise<number> {
  const raw = String(text ?? '');
  if (/^\d+$/.test(raw)) return Number(raw);
  const task = raw === '' ? undefined : await store.findByKey(raw);
  if (!task) throw new FactoryError(messages.taskUnknownRef(raw), ExitCode.usage);
  return task.id;
}

function taskLine(task: Task): string {
  const lease = task.owner ? ` held by ${task.owner} until ${task.leaseExpiresAt}` : '';
  return `#${task.id} ${task.workflow}:${task.state} v${task.version}${lease}  ${task.title}${task.key ? `  [${task.key}]` : ''}`;
}

function logLine(entry: LogEntry): string {
  const move = entry.from === entry.to || entry.from === null ? entry.to : `${entry.from} -> ${entry.to}`;
  return `${entry.at}  #${entry.taskId} v${entry.version} ${entry.event.padEnd(14)} ${move.padEnd(24)} by ${entry.actor}${
    entry.reason ? `: ${entry.reason}` : ''
  }`;
}

function resourceLine(r: Resource): string {
  const status = r.releasedAt ? `released ${r.releasedAt}` : 'held';
  return `${r.kind} ${r.value} (${status}${r.outcome ? `: ${r.outcome}` : ''})`;
}

function parseData(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new FactoryError(messages.taskBadJson('--data', (error as Error).message), ExitCode.usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FactoryError(messages.taskBadJson('--data', 'not an object'), ExitCode.usage);
  }
  return value as Record<string, unknown>;
}

function states(args: TaskArgs): string[] {
  const raw = args.state === undefined ? [] : Array.isArray(args.state) ? args.state : [args.state];
  return raw.flatMap((s) => String(s).split(',')).filter((s) => s !== '');
}

const ownerOption = {
  type: 'string',
  describe: 'who acts: an agent session id, a worker name',
  requiresArg: true,
} as const;
const ttlOption = { type: 'number', describe: 'lease length in seconds', requiresArg: true } as const;

const add = async (args: TaskArgs) => {
  // A task with a prompt is work for an agent session (factory work, factory loop): its repositories are
  // checked against the manifest now, not when a session would start.
  const work =
    args.prompt !== undefined
      ? await (await import('@factory/fleet/loop/task-spec')).workTaskInput({
          prompt: args.prompt,
          repos: args.repo === undefined ? [] : Array.isArray(args.repo) ? args.repo : [args.repo],
          current: repositoryRoot(args),
          ...(args.manifest !== undefined ? { manifest: resolve(args.manifest) } : {}),
        })
      : undefined;
  const result = await withState(
    args,
    (store) =>
      store.add({
        title: String(args.title ?? ''),
        ...(work ? { workflow: 'work', data: work.data, maxAttempts: work.maxAttempts } : {}),
        ...(args.workflow !== undefined ? { workflow: args.workflow } : {}),
        ...(args.key !== undefined ? { key: args.key } : {}),
        ...(args.priority !== undefined ? { priority: args.priority } : {}),
        ...(args['max-attempts'] !== undefined ? { maxAttempts: args['max-attempts'] } : {}),
        ...(args.data !== undefined ? { data: parseData(args.data)! } : {}),
        actor: args.owner ?? defaultActor(),
      }),
    (workflows) => {
      if (args.workflow !== undefined) workflows.get(args.workflow);
      parseData(args.data);
    },
  );
  if (args.json) printJson(result);
  else printLine(`${result.created ? 'added' : 'exists'} ${taskLine(result.task)}`);
};

const list = async (args: TaskArgs) => {
  const tasks = await withState(
    args,
    (store) =>
      store.list({
        ...(args.workflow !== undefined ? { workflow: args.workflow } : {}),
        ...(states(args)[0] !== undefined ? { state: states(args)[0] } : {}),
        ...(args.phase !== undefined ? { phase: args.phase as Task['phase'] } : {}),
        ...(args.owner !== undefined ? { owner: args.owner } : {}),
        ...(args.limit !== undefined ? { limit: args.limit } : {}),
      }),
    undefined,
    'read',
  );
  if (args.json) printJson(tasks);
  else if (tasks.length === 0) printLine('no tasks');
  else for (const task of tasks) printLine(taskLine(task));
};

const show = async (args: TaskArgs) => {
  const detail = await withState(
    args,
    async (store) => {
      const task = await store.get(await taskId(store, args.id));
      return {
        task,
        allowedEvents: store.allowedEvents(task),
        resources: await store.resources.list(task.id),
        log: await store.log(task.id),
      };
    },
    undefined,
    'read',
  );
  if (args.json) {
    printJson(detail);
    return;
  }
  printLine(taskLine(detail.task));
  printLine(`phase ${detail.task.phase}, attempts ${detail.task.attempts} of ${detail.task.maxAttempts}`);
  printLine(`allowed events: ${detail.allowedEvents.join(', ') || 'none (the task has ended)'}`);
  if (detail.resources.length) printLine(`resources: ${detail.resources.map(resourceLine).join('; ')}`);
  for (const entry of detail.log) printLine(`  ${logLine(entry)}`);
};

const claim = async (args: TaskArgs) => {
  const wanted = states(args);
  const task = await withState(
    args,
    async (store) =>
      args.task !== undefined
        ? store.claimTask(await taskId(store, args.task), String(args.owner), Number(args.ttl))
        : store.claim({
            owner: String(args.owner),
            ttlSeconds: Number(args.ttl),
            ...(args.workflow !== undefined ? { workflow: args.workflow } : {}),
            ...(wanted.length ? { states: wanted } : {}),
          }),
    (workflows) => {
      if (args.workflow !== undefined) workflows.get(args.workflow);
    },
  );
  if (!task) {
    const filter = [
      args.workflow !== undefined ? ` in workflow ${args.workflow}` : '',
      wanted.length ? ` in state ${wanted.join(' or ')}` : '',
    ].join('');
    throw new FactoryError(messages.taskNoneFree(filter), ExitCode.refused);
  }
  if (args.json) printJson(task);
  else printLine(`claimed ${taskLine(task)}`);
};

const heartbeat = async (args: TaskArgs) => {
  const task = await withState(args, async (store) =>
    store.heartbeat(await taskId(store, args.id), String(args.owner), Number(args.ttl)),
  );
  if (args.json) printJson(task);
  else printLine(`extended ${taskLine(task)}`);
};

const move = async (args: TaskArgs) => {
  const result = await withState(args, async (store) =>
    store.move(await taskId(store, args.id), String(args.event), {
      actor: args.owner ?? defaultActor(),
      ...(args['expect-version'] !== undefined ? { expectVersion: args['expect-version'] } : {}),
      ...(args['expect-state'] !== undefined ? { expectState: args['expect-state'] } : {}),
      ...(args.reason !== undefined ? { reason: args.reason } : {}),
    }),
  );
  if (args.json) printJson(result);
  else printLine(`moved ${result.transition.from} -> ${result.transition.to}: ${taskLine(result.task)}`);
};

const release = async (args: TaskArgs) => {
  const task = await withState(args, async (store) =>
    store.release(await taskId(store, args.id), String(args.owner), args.reason),
  );
  if (args.json) printJson(task);
  else printLine(`released ${taskLine(task)}`);
};

const recover = async (args: TaskArgs) => {
  const { reclaimTaskResources } = await import('@factory/core/state/resources');
  // On PostgreSQL the leases are shared; the resources it reclaims are this machine's (each names its host).
  const report = await withState(args, async (store) => {
    const expired = await store.expireLeases();
    return { expired, resources: await reclaimTaskResources(repositoryRoot(args), store.resources) };
  });
  if (args.json) {
    printJson(report);
    return;
  }
  printLine(`expired leases: ${report.expired.length}`);
  for (const e of report.expired) {
    printLine(
      `  #${e.taskId} lease of ${e.owner} expired ${e.expiredAt}: ${e.failed ? `out of attempts, now ${e.state}` : 'free to claim again'}`,
    );
  }
  printLine(`resources: ${report.resources.length}`);
  for (const r of report.resources)
    printLine(`  #${r.resource.taskId} ${r.resource.kind} ${r.resource.value}: ${r.action}, ${r.outcome}`);
};

const log = async (args: TaskArgs) => {
  const entries = await withState(
    args,
    async (store) =>
      args.id !== undefined
        ? store.log(await taskId(store, args.id))
        : store.log(undefined, args.limit ?? 50),
    undefined,
    'read',
  );
  if (args.json) printJson(entries);
  else if (entries.length === 0) printLine('no transitions yet');
  else for (const entry of entries) printLine(logLine(entry));
};

const attach = async (args: TaskArgs) => {
  const kind = String(args.kind) as ResourceKind;
  // A worktree is recorded by its absolute path, so recovery finds it from anywhere.
  const value =
    kind === 'worktree' ? resolve(args.cwd ?? process.cwd(), String(args.value)) : String(args.value);
  const resource = await withState(args, async (store) =>
    store.resources.attach(await taskId(store, args.id), kind, value, args.owner),
  );
  if (args.json) printJson(resource);
  else printLine(`task #${resource.taskId} holds ${resourceLine(resource)}`);
};

const workflowsCommand = async (args: TaskArgs) => {
  const root = repositoryRoot(args);
  const workflows = await repositoryWorkflows(root);
  const { workflowToMermaid } = await import('@factory/core/workflow/mermaid');
  const selected = args.workflow !== undefined ? [workflows.get(args.workflow)] : workflows.all();
  if (args.json) {
    printJson(
      selected.map((w) => ({
        ...w.definition,
        ...(args.mermaid ? { mermaid: workflowToMermaid(w) } : {}),
      })),
    );
    return;
  }
  for (const w of selected) {
    if (args.mermaid) {
      printLine(`%% workflow ${w.name}`);
      process.stdout.write(workflowToMermaid(w));
      continue;
    }
    const d = w.definition;
    printLine(`${w.name}${d.description ? `: ${d.description}` : ''}`);
    printLine(
      `  states: ${d.states.map((s) => `${s}${w.phase(s) === 'active' ? '' : ` (${w.phase(s)})`}`).join(', ')}`,
    );
    printLine(`  initial: ${d.initial}; on too many attempts: ${d.failState}`);
    for (const t of d.transitions) {
      const from = typeof t.from === 'string' ? t.from : t.from.join(', ');
      printLine(`  ${t.event}: ${from} -> ${t.to}${t.guard ? ` [guard ${t.guard}]` : ''}`);
    }
  }
};

const jsonOnly = {} as const;

/** yargs hands every handler its parsed options; ours read them through TaskArgs. */
const run =
  (fn: (args: TaskArgs) => Promise<void>) =>
  (argv: unknown): Promise<void> =>
    fn(argv as TaskArgs);

export const taskCommand: CommandModule = {
  command: 'task <command>',
  describe:
    'workflow tasks in .factory/state.db (or PostgreSQL: FACTORY_STATE_URL): add, claim, heartbeat, move, release, recover',
  builder: (y: Argv) =>
    y
      .command(
        'add <title>',
        "add a task in its workflow's initial state (--key: adding twice returns the same task)",
        (c: Argv) =>
          c
            .positional('title', { type: 'string', describe: 'what the task is about' })
            .option('workflow', {
              type: 'string',
              describe: 'the workflow (default ticket)',
              requiresArg: true,
            })
            .option('key', {
              type: 'string',
              describe: 'idempotency key, e.g. github:owner/repo#12',
              requiresArg: true,
            })
            .option('priority', {
              type: 'number',
              describe: 'higher is claimed first (default 0)',
              requiresArg: true,
            })
            .option('max-attempts', {
              type: 'number',
              describe: 'claims before recovery gives up (default 3)',
              requiresArg: true,
            })
            .option('data', {
              type: 'string',
              describe: 'a JSON object kept with the task',
              requiresArg: true,
            })
            .option('owner', { ...ownerOption, describe: 'who adds it (recorded in the log)' })
            .option('prompt', {
              type: 'string',
              describe:
                'work for an agent: what to do (workflow work; run it with factory work or factory loop)',
              requiresArg: true,
            })
            .option('repo', {
              type: 'string',
              array: true,
              describe:
                'with --prompt: a repository of the manifest the task works in (default the current one)',
              requiresArg: true,
            })
            .option('manifest', {
              type: 'string',
              describe: 'with --repo: the manifest (default $FACTORY_HOME/repos.yaml)',
              requiresArg: true,
            }),
        run(add),
      )
      .command(
        'list',
        'list tasks',
        (c: Argv) =>
          c
            .option('workflow', { type: 'string', requiresArg: true })
            .option('state', { type: 'string', requiresArg: true })
            .option('phase', { choices: ['active', 'handoff', 'terminal'] as const })
            .option('owner', { type: 'string', requiresArg: true })
            .option('limit', { type: 'number', requiresArg: true }),
        run(list),
      )
      .command(
        'show <id>',
        'show one task (by number or key): allowed events, resources, log',
        jsonOnly,
        run(show),
      )
      .command(
        'claim',
        'claim a free task with a lease (--owner ID --ttl SECONDS); exit 1 when none is free',
        (c: Argv) =>
          c
            .option('owner', { ...ownerOption, demandOption: true })
            .option('ttl', { ...ttlOption, demandOption: true })
            .option('workflow', {
              type: 'string',
              describe: 'only tasks of this workflow',
              requiresArg: true,
            })
            .option('state', {
              type: 'string',
              array: true,
              describe: 'only tasks in these states',
              requiresArg: true,
            })
            .option('task', {
              type: 'string',
              describe: 'claim this task (number or key)',
              requiresArg: true,
            }),
        run(claim),
      )
      .command(
        'heartbeat <id>',
        'extend the lease of a claimed task; exit 1 when the lease was lost',
        (c: Argv) =>
          c
            .option('owner', { ...ownerOption, demandOption: true })
            .option('ttl', { ...ttlOption, demandOption: true }),
        run(heartbeat),
      )
      .command(
        'move <id> <event>',
        'move a task along its workflow (compare-and-set); exit 1 names the allowed events',
        (c: Argv) =>
          c
            .option('owner', { ...ownerOption, describe: 'who moves it (default FACTORY_OWNER or the user)' })
            .option('expect-version', {
              type: 'number',
              describe: 'refuse unless the task has this version',
              requiresArg: true,
            })
            .option('expect-state', {
              type: 'string',
              describe: 'refuse unless the task is in this state',
              requiresArg: true,
            })
            .option('reason', { type: 'string', describe: 'why (recorded in the log)', requiresArg: true }),
        run(move),
      )
      .command(
        'release <id>',
        'give up the lease of a task',
        (c: Argv) =>
          c
            .option('owner', { ...ownerOption, demandOption: true })
            .option('reason', { type: 'string', describe: 'why (recorded in the log)', requiresArg: true }),
        run(release),
      )
      .command('recover', 'return expired leases and reclaim leaked resources', jsonOnly, run(recover))
      .command(
        'log [id]',
        'the transition history of a task (oldest first) or of all tasks (newest first)',
        (c: Argv) =>
          c.option('limit', {
            type: 'number',
            describe: 'rows when no task is named (default 50)',
            requiresArg: true,
          }),
        run(log),
      )
      .command(
        'attach <id> <kind> <value>',
        'record a resource the task holds: worktree PATH, branch NAME, pid N, port N',
        (c: Argv) =>
          c.positional('kind', { choices: ['worktree', 'branch', 'pid', 'port'] as const }).option('owner', {
            ...ownerOption,
            describe: 'the owner it belongs to (default the lease holder)',
          }),
        run(attach),
      )
      .command(
        'workflows',
        'print the workflows (--mermaid for diagrams)',
        (c: Argv) =>
          c
            .option('mermaid', { type: 'boolean', describe: 'mermaid stateDiagram-v2 text' })
            .option('workflow', { type: 'string', describe: 'only this workflow', requiresArg: true }),
        run(workflowsCommand),
      )
      .demandCommand(1, 'name a task command'),
  handler: () => {},
};
