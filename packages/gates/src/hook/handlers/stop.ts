import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { findRepositoryRoot } from '@factory/core/paths';
import { messages } from '../../messages.js';
import { type HookAnswer, type HookHandler, noOpinion } from '../types.js';

/**
 * Stop: keeps the agent working (Claude Code's `decision: block` with a reason) while the task it claimed
 * is still active (neither terminal nor handed over) or the gates are red on its last commit.
 *
 * Bounded: every block is recorded (tool "Stop" in the guard's audit), and after MAX_STOP_BLOCKS blocks in
 * one session the agent may stop whatever the state (a human looks at it then), so a task that cannot be
 * finished never loops forever. `stop_hook_active` (Claude Code is already continuing because of a stop
 * hook) counts towards the same limit.
 */
export const MAX_STOP_BLOCKS = 3;

/** The owner ids a session may have claimed with: the skill says `claude-<session id>`. */
export function ownerIds(sessionId: string, env: NodeJS.ProcessEnv): string[] {
  const ids = [sessionId, `claude-${sessionId}`];
  if (env.FACTORY_TASK_OWNER) ids.push(env.FACTORY_TASK_OWNER);
  return ids;
}

function headCommit(repoRoot: string): { sha: string; time: number } | undefined {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%H %ct'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    const [sha, time] = out.split(' ');
    return sha && time ? { sha, time: Number(time) * 1000 } : undefined;
  } catch {
    return undefined;
  }
}

function block(reason: string): HookAnswer {
  return { stdout: JSON.stringify({ decision: 'block', reason }), stderr: '', exitCode: 0 };
}

/**
 * When this session began: the first timestamp of its transcript (Claude Code writes one per entry), else
 * the transcript file's birth time. Gate runs from before it are not this session's doing (a human's
 * refused commit an hour earlier must not hold the agent). Undefined when there is no transcript to ask.
 */
export function sessionStartedAt(transcriptPath: unknown): number | undefined {
  if (typeof transcriptPath !== 'string' || !isAbsolute(transcriptPath)) return undefined;
  try {
    const fd = openSync(transcriptPath, 'r');
    try {
      const head = Buffer.alloc(256 * 1024);
      const length = readSync(fd, head, 0, head.length, 0);
      for (const line of head.subarray(0, length).toString('utf8').split('\n')) {
        const match = /"timestamp"\s*:\s*"([^"]+)"/.exec(line);
        const time = match ? Date.parse(match[1]!) : Number.NaN;
        if (!Number.isNaN(time)) return time;
      }
    } finally {
      closeSync(fd);
    }
    const { birthtimeMs } = statSync(transcriptPath);
    return birthtimeMs > 0 ? birthtimeMs : undefined;
  } catch {
    return undefined;
  }
}

function letGo(why: string): HookAnswer {
  return { ...noOpinion, stderr: `${why}\n` };
}

export const handle: HookHandler = async (input, context) => {
  const sessionId =
    typeof input.session_id === 'string' && input.session_id !== '' ? input.session_id : undefined;
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? input.cwd : context.cwd;
  const repoRoot = findRepositoryRoot(cwd);
  if (!repoRoot || !sessionId) return noOpinion;
  // Whatever goes wrong with the state (corrupt, read-only, disk full, a newer schema), the session may
  // end: a Stop hook that cannot count its blocks must never hold the session forever.
  let state: import('@factory/core/state/repository').RepositoryState | undefined;
  try {
    const { openExistingRepositoryState } = await import('@factory/core/state/repository');
    state = openExistingRepositoryState(repoRoot);
  } catch (error) {
    return letGo(messages.stopStateUnreadable(errorText(error)));
  }
  if (!state) return noOpinion; // factory never ran here: nothing claimed, no gate runs
  try {
    let reasons: string[];
    let earlier: number;
    const [{ listGuardDecisions, recordGuardDecision }, { listGateRuns }] = await Promise.all([
      import('../../state/guard-decisions.js'),
      import('../../state/gate-runs.js'),
    ]);
    try {
      reasons = [];
      for (const owner of ownerIds(sessionId, context.env)) {
        for (const task of state.tasks.heldActiveTasks(owner)) {
          reasons.push(messages.stopTaskOpen(`#${task.id} "${task.title}"`, task.state));
        }
      }
      const head = headCommit(repoRoot);
      const since = sessionStartedAt(input.transcript_path);
      if (head && since !== undefined) {
        // Only this session's runs: those that started after it began.
        const runs = listGateRuns(state.store, { limit: 20 }).filter(
          (run) => Date.parse(run.startedAt) >= since,
        );
        const onHead = runs.find((run) => run.sha === head.sha);
        const latest = runs[0];
        if (onHead?.status === 'failed')
          reasons.push(messages.stopGatesRed(head.sha.slice(0, 10), onHead.gate));
        else if (latest?.status === 'failed' && !latest.sha && Date.parse(latest.startedAt) > head.time)
          reasons.push(messages.stopGatesRefusedCommit(latest.gate));
      }
      if (reasons.length === 0) return noOpinion;
      earlier = listGuardDecisions(state.store, { limit: 500 }).filter(
        (row) => row.tool === 'Stop' && row.sessionId === sessionId && row.decision === 'deny',
      ).length;
    } catch (error) {
      return letGo(messages.stopStateUnreadable(errorText(error)));
    }
    if (earlier >= MAX_STOP_BLOCKS) return letGo(messages.stopGivesUp(MAX_STOP_BLOCKS, reasons.join(' ')));
    const reason = reasons.join(' ');
    try {
      recordGuardDecision(state.store, {
        sessionId,
        tool: 'Stop',
        inputSummary: input.stop_hook_active === true ? 'stop (stop_hook_active)' : 'stop',
        decision: 'deny',
        rule: 'stop-discipline',
        reason,
        cwd,
      });
    } catch (error) {
      // A block that cannot be counted could repeat forever: let the session end, and say what was open.
      return letGo(messages.stopCannotCount(errorText(error), reason));
    }
    return block(`${reason} (stop ${earlier + 1} of at most ${MAX_STOP_BLOCKS} refused)`);
  } finally {
    try {
      state.close();
    } catch {
      // closing a broken database must not turn a let-go into an error
    }
  }
};

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
