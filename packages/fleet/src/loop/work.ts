import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runSession, type SessionRun } from '@factory/agent/session/run-session';
import { type SessionSummary, WorkSessions } from '@factory/agent/state/work-sessions';
import { ExitCode } from '@factory/core';
import { stateDbPath } from '@factory/core/paths';
import type { RepositoryState } from '@factory/core/state/repository';
import { StateStore } from '@factory/core/state/store';
import type { Task } from '@factory/core/state/tasks';
import { workspaceSandbox } from '@factory/gates/install/claude-engines';
import { checkClaude, MIN_CLAUDE_VERSION } from '@factory/gates/install/claude-version';
import { listGateRuns } from '@factory/gates/state/gate-runs';
import { ForgeFactory, resolveForgeTarget } from '../forge/index.js';
import type { Manifest } from '../manifest/manifest.js';
import { messages } from '../messages.js';
import { type LoopConfig, manifestEntry } from './context.js';
import { dirtyFiles } from './git.js';
import { pushAndRequest } from './requests.js';
import { sandboxStartFailure } from './sandbox-failures.js';
import {
  commitsAhead,
  defaultBranch,
  preflight,
  prepareWorkspace,
  taskBranch,
  type Workspace,
  workSpec,
} from './workspace.js';

export type WorkOutcomeKind = 'idle' | 'submitted' | 'retry' | 'blocked' | 'lost';

export interface WorkOutcome {
  readonly kind: WorkOutcomeKind;
  readonly taskId?: number;
  readonly state?: string;
  readonly reason?: string;
  readonly requests?: ReadonlyArray<{ repo: string; url: string | undefined; number: number | undefined }>;
  readonly summary?: SessionSummary;
  /** The exit code `factory work` ends with. */
  readonly exitCode: number;
}

export interface WorkOptions {
  readonly state: RepositoryState;
  /** The task to work on (its number), else the next ready one. */
  readonly taskId?: number;
  readonly owner: string;
  readonly claudeBin: string;
  readonly config: LoopConfig;
  readonly manifest: Manifest;
  readonly env: NodeJS.ProcessEnv;
}

const emptySummary: SessionSummary = {
  turns: 0,
  costUsd: 0,
  toolCalls: 0,
  refusals: 0,
  gateRuns: 0,
  gateFailures: 0,
  claudeVersion: undefined,
};

/**
 * Carries one task of the `work` workflow as far as an agent can: claim, workspace, session, push and
 * requests, then `review`; or, when the session fails, back to `ready` (attempts left) or `blocked`.
 * Every step is recorded before the next one starts, so a crash at any point is resumed by the next
 * claim (the lease expires; the worktrees, branch and request are found again).
 */
export async function workTask(options: WorkOptions): Promise<WorkOutcome> {
  const { state, owner, config } = options;
  const ttl = config.leaseSeconds;
  const claimed =
    options.taskId !== undefined
      ? state.tasks.claimTask(options.taskId, owner, ttl)
      : state.tasks.claim({ owner, ttlSeconds: ttl, workflow: 'work' });
  if (!claimed) return { kind: 'idle', exitCode: ExitCode.refused, reason: messages.loop.noneReady };
  let task: Task = claimed;
  if (task.workflow !== 'work') {
    state.tasks.release(task.id, owner, 'not a work task');
    return {
      kind: 'blocked',
      taskId: task.id,
      exitCode: ExitCode.usage,
      reason: messages.loop.notWorkTask(task.id, task.workflow),
    };
  }

  if (task.state !== 'ready' && task.state !== 'running') {
    state.tasks.release(task.id, owner, `nothing to work on in ${task.state}`);
    return {
      kind: 'idle',
      taskId: task.id,
      state: task.state,
      exitCode: ExitCode.refused,
      reason: messages.loop.notReady(task.id, task.state),
    };
  }
  // The worktrees and branch of earlier attempts are this worker's now; a session a dead worker left
  // running is stopped before a new one starts.
  for (const stale of state.resources.adopt(task.id, owner)) {
    try {
      process.kill(Number(stale.value), 'SIGTERM');
      state.resources.markReleased(stale.id, 'session of an earlier attempt stopped (SIGTERM)');
    } catch {
      state.resources.markReleased(stale.id, 'process had exited');
    }
  }
  let lost: string | undefined;
  const beat = setInterval(
    () => {
      try {
        state.tasks.heartbeat(task.id, owner, ttl);
      } catch (error) {
        lost = error instanceof Error ? error.message : String(error);
        abort.abort();
      }
    },
    Math.max(1000, (ttl * 1000) / 3),
  );
  const abort = new AbortController();
  try {
    return await carry();
  } finally {
    clearInterval(beat);
  }

  function end(kind: 'retry' | 'blocked', reason: string, exitCode: number = ExitCode.refused): WorkOutcome {
    if (lost)
      return {
        kind: 'lost',
        taskId: task.id,
        exitCode: ExitCode.refused,
        reason: messages.loop.leaseLost(lost),
      };
    const current = state.tasks.get(task.id);
    let event: 'retry' | 'block' = kind === 'retry' ? 'retry' : 'block';
    let why = reason;
    if (event === 'retry' && current.attempts >= current.maxAttempts) {
      event = 'block';
      why = messages.loop.gaveUp(current.attempts, reason);
    }
    if (event === 'retry' && current.state !== 'running') event = 'block';
    const moved = state.tasks.move(task.id, event, { actor: owner, reason: why }).task;
    if (moved.owner === owner) state.tasks.release(task.id, owner, why);
    return {
      kind: event === 'retry' ? 'retry' : 'blocked',
      taskId: task.id,
      state: moved.state,
      reason: why,
      exitCode,
    };
  }

  async function carry(): Promise<WorkOutcome> {
    const spec = workSpec(task);
    if (!spec) return end('blocked', messages.loop.workTaskBroken(task.id), ExitCode.usage);
    const checked = preflight(spec.repos);
    if (!checked.ok) return end('blocked', checked.reason, ExitCode.usage);
    const claude = await checkClaude(options.claudeBin, options.env);
    if (!claude.ok) {
      const reason =
        claude.problem === 'missing'
          ? messages.loop.claudeMissing(options.claudeBin)
          : claude.problem === 'too-old'
            ? messages.loop.claudeTooOld(claude.detail, MIN_CLAUDE_VERSION)
            : messages.loop.claudeUnreadable(options.claudeBin, claude.detail);
      return end('blocked', reason, ExitCode.usage);
    }
    task = state.tasks.move(task.id, 'start', {
      actor: owner,
      reason: `attempt ${task.attempts} of ${task.maxAttempts}`,
    }).task;

    const branch = taskBranch(config.branchPrefix, state.repoRoot, task);
    const made = prepareWorkspace(
      state,
      task,
      owner,
      spec,
      branch,
      (repo) => manifestEntry(options.manifest, repo).defaultBranch,
    );
    if (!made.ok) return end('blocked', made.reason, ExitCode.usage);
    const workspace = made.workspace;

    const records = new WorkSessions(state.store);
    const sessionsDir = join(state.repoRoot, '.factory', 'sessions');
    mkdirSync(sessionsDir, { recursive: true });
    const session = records.startSession({
      taskId: task.id,
      attempt: task.attempts,
      owner,
      streamPath: join(sessionsDir, `task-${task.id}-attempt-${task.attempts}-${Date.now()}.jsonl`),
    });
    const startedAt = new Date().toISOString();
    let pidResource: number | undefined;
    let run: SessionRun;
    try {
      run = await runSession({
        claudeBin: options.claudeBin,
        cwd: workspace.repos[0]!.worktree,
        prompt: sessionPrompt(task, spec.prompt, workspace, reworkNote(state, task.id)),
        limits: config,
        streamPath: session.streamPath,
        addDirs: workspace.repos.slice(1).map((r) => r.worktree),
        sandbox: workspaceSandbox(
          workspace.repos.map((r) => r.worktree),
          options.env?.HOME ?? process.env.HOME ?? '',
        ),
        env: options.env,
        signal: abort.signal,
        onStart: (pid) => {
          records.setSessionPid(session.id, pid);
          pidResource = state.resources.attach(task.id, 'pid', String(pid), owner).id;
        },
      });
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? messages.loop.claudeMissing(options.claudeBin)
          : messages.loop.sessionError(error instanceof Error ? error.message : String(error));
      records.endSession(session.id, 'blocked', reason, emptySummary);
      return end('blocked', reason, ExitCode.usage);
    } finally {
      if (pidResource !== undefined) state.resources.markReleased(pidResource, 'session ended');
    }
    const summary = summarise(run, workspace, startedAt);
    if (lost) {
      records.endSession(session.id, 'failed', messages.loop.leaseLost(lost), summary);
      return {
        kind: 'lost',
        taskId: task.id,
        exitCode: ExitCode.refused,
        reason: messages.loop.leaseLost(lost),
        summary,
      };
    }
    const failure = sessionFailure(run, config) ?? workFailure(workspace, run);
    if (failure) {
      records.endSession(session.id, 'failed', failure, summary);
      return { ...end('retry', `${failure} (${summaryText(summary)})`), summary };
    }

    const forges = new ForgeFactory(options.env);
    const requests: Array<{ repo: string; url: string | undefined; number: number | undefined }> = [];
    for (const ws of workspace.repos) {
      if (commitsAhead(ws) === 0) continue;
      const entry = manifestEntry(options.manifest, ws.repo);
      const target = await resolveForgeTarget(entry, options.env).catch(() => undefined);
      const outcome = await pushAndRequest({
        state,
        task,
        prompt: spec.prompt,
        branch: workspace.branch,
        ws,
        target: { target, defaultBranch: defaultBranch(ws.repo, entry.defaultBranch) },
        forges,
        env: options.env,
      });
      if (!outcome.ok) {
        records.endSession(session.id, 'failed', outcome.reason, summary);
        return { ...end('retry', `${outcome.reason} (${summaryText(summary)})`), summary };
      }
      requests.push({ repo: ws.repo, url: outcome.request.url, number: outcome.request.number });
    }
    if (lost)
      return {
        kind: 'lost',
        taskId: task.id,
        exitCode: ExitCode.refused,
        reason: messages.loop.leaseLost(lost),
        summary,
      };
    const reason = `requests: ${requests.map((r) => r.url ?? r.repo).join(', ')}`;
    records.endSession(session.id, 'submitted', reason, summary);
    const moved = state.tasks.move(task.id, 'submit', {
      actor: owner,
      reason: `${reason} (${summaryText(summary)})`,
    }).task;
    state.tasks.release(task.id, owner, 'waiting for review');
    return {
      kind: 'submitted',
      taskId: task.id,
      state: moved.state,
      reason,
      requests,
      summary,
      exitCode: ExitCode.ok,
    };
  }
}

/** The session in one line, for the task log: what it did and what it cost. */
function summaryText(s: SessionSummary): string {
  return `session: ${s.turns} turn(s), ${s.toolCalls} tool call(s), ${s.refusals} refused by the guard, ${s.gateRuns} gate run(s) (${s.gateFailures} failed), ${s.costUsd.toFixed(4)} USD`;
}

/** The prompt of a session: where it works and what is expected, then the task's own words. */
function sessionPrompt(task: Task, prompt: string, workspace: Workspace, rework: string | undefined): string {
  const where =
    workspace.repos.length === 1
      ? `You work in the git worktree ${workspace.repos[0]!.worktree} on branch ${workspace.branch}.`
      : `You work in these git worktrees, all on branch ${workspace.branch}: ${workspace.repos
          .map((r) => r.worktree)
          .join(', ')}.`;
  return [
    `factory task #${task.id}: ${task.title}`,
    where,
    'Commit your changes in each repository you change (the gates run on every commit; fix what they refuse). Do not push: factory pushes and opens the requests.',
    ...(rework ? [`This is rework: ${rework}.`] : []),
    '',
    prompt,
  ].join('\n');
}

/** Why the task was sent back to work, when it was: the reason of its last `rework` move. */
function reworkNote(state: RepositoryState, taskId: number): string | undefined {
  const log = state.tasks.log(taskId);
  const last = [...log].reverse().find((e) => e.event === 'rework' || e.event === 'submit');
  return last?.event === 'rework' ? (last.reason ?? undefined) : undefined;
}

function sessionFailure(run: SessionRun, config: LoopConfig): string | undefined {
  if (run.timedOut)
    return messages.loop.sessionTimedOut(
      config.timeoutSeconds,
      run.signalsSent.includes('SIGKILL') ? 'SIGTERM, then SIGKILL' : 'SIGTERM',
    );
  const result = run.session.result;
  const subtype = result?.subtype ?? '';
  if (/budget/i.test(subtype)) return messages.loop.sessionOverBudget(config.maxBudgetUsd);
  if (/max_turns/i.test(subtype)) return messages.loop.sessionMaxTurns(config.maxTurns);
  if (result?.isError)
    return messages.loop.sessionError(subtype || result.text?.slice(0, 120) || 'no detail');
  if (!result) {
    const code = run.signal ?? String(run.exitCode);
    return messages.loop.sessionExited(code, run.stderr.trim().split('\n').pop()?.slice(0, 160) ?? '');
  }
  return undefined;
}

/**
 * The work a session must leave: every change committed, and at least one commit. A repository of the task
 * without a commit is the session's choice, unless a command of the session never ran because the sandbox
 * could not start it: then that command may have been the repository's commit, and the task is worked
 * again rather than submitted without that repository's request.
 */
function workFailure(workspace: Workspace, run: SessionRun): string | undefined {
  for (const ws of workspace.repos) {
    const dirty = dirtyFiles(ws.worktree);
    if (dirty.length > 0) return messages.loop.sessionUncommitted(ws.repo, dirty.length);
  }
  const without = workspace.repos.filter((ws) => commitsAhead(ws) === 0);
  if (without.length === workspace.repos.length) return messages.loop.sessionNoCommit;
  const sandbox = without.length > 0 ? sandboxStartFailure(run.session.toolCalls) : undefined;
  if (sandbox) return messages.loop.sandboxStartFailed(without.map((ws) => ws.repo).join(', '), sandbox);
  return undefined;
}

/**
 * The session's figures: from its stream (turns, cost, tool calls, the guard's refusals) and from the gate
 * runs recorded while it ran, in the worktrees' state (or the repositories' when they share one).
 */
function summarise(run: SessionRun, workspace: Workspace, startedAt: string): SessionSummary {
  const session = run.session;
  let gateRuns = 0;
  let gateFailures = 0;
  const seen = new Set<string>();
  for (const ws of workspace.repos) {
    for (const root of [ws.worktree, ws.repo]) {
      const db = stateDbPath(root);
      if (seen.has(db) || !existsSync(db)) continue;
      seen.add(db);
      const store = StateStore.open({ path: db });
      try {
        for (const gate of listGateRuns(store, { limit: 500 })) {
          if (gate.startedAt < startedAt) continue;
          gateRuns++;
          if (gate.status !== 'passed') gateFailures++;
        }
      } finally {
        store.close();
      }
      break;
    }
  }
  return {
    turns: session.result?.numTurns ?? session.turns,
    costUsd: session.result?.costUsd ?? 0,
    toolCalls: session.toolCalls.length,
    refusals: session.toolCalls.filter((call) => call.refusal?.byHook).length,
    gateRuns,
    gateFailures,
    claudeVersion: session.claudeCodeVersion,
  };
}
