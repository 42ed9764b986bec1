import { execFileSync } from 'node:child_process';
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

export const handle: HookHandler = async (input, context) => {
  const sessionId =
    typeof input.session_id === 'string' && input.session_id !== '' ? input.session_id : undefined;
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? input.cwd : context.cwd;
  const repoRoot = findRepositoryRoot(cwd);
  if (!repoRoot || !sessionId) return noOpinion;
  const { openExistingRepositoryState } = await import('@factory/core/state/repository');
  const state = openExistingRepositoryState(repoRoot);
  if (!state) return noOpinion; // factory never ran here: nothing claimed, no gate runs
  try {
    const [{ listGuardDecisions, recordGuardDecision }, { listGateRuns }] = await Promise.all([
      import('../../state/guard-decisions.js'),
      import('../../state/gate-runs.js'),
    ]);
    const reasons: string[] = [];
    for (const owner of ownerIds(sessionId, context.env)) {
      for (const task of state.tasks.heldActiveTasks(owner)) {
        reasons.push(messages.stopTaskOpen(`#${task.id} "${task.title}"`, task.state));
      }
    }
    const head = headCommit(repoRoot);
    if (head) {
      const runs = listGateRuns(state.store, { limit: 20 });
      const onHead = runs.find((run) => run.sha === head.sha);
      const latest = runs[0];
      if (onHead?.status === 'failed')
        reasons.push(messages.stopGatesRed(head.sha.slice(0, 10), onHead.gate));
      else if (latest?.status === 'failed' && !latest.sha && Date.parse(latest.startedAt) > head.time)
        reasons.push(messages.stopGatesRefusedCommit(latest.gate));
    }
    if (reasons.length === 0) return noOpinion;
    const earlier = listGuardDecisions(state.store, { limit: 500 }).filter(
      (row) => row.tool === 'Stop' && row.sessionId === sessionId && row.decision === 'deny',
    ).length;
    if (earlier >= MAX_STOP_BLOCKS) {
      return { ...noOpinion, stderr: `${messages.stopGivesUp(MAX_STOP_BLOCKS, reasons.join(' '))}\n` };
    }
    const reason = reasons.join(' ');
    recordGuardDecision(state.store, {
      sessionId,
      tool: 'Stop',
      inputSummary: input.stop_hook_active === true ? 'stop (stop_hook_active)' : 'stop',
      decision: 'deny',
      rule: 'stop-discipline',
      reason,
      cwd,
    });
    return block(`${reason} (stop ${earlier + 1} of at most ${MAX_STOP_BLOCKS} refused)`);
  } finally {
    state.close();
  }
};
