import { isAbsolute } from 'node:path';
import { findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { loadGuardConfig } from '../../guard/config.js';
import { decide, GuardInputError } from '../../guard/engine.js';
import type { GuardConfig, Verdict } from '../../guard/policy.js';
import { summarizeCall } from '../../guard/summary.js';
import { checkControlFiles, describeTamper } from '../../install/control-record.js';
import { messages } from '../../messages.js';
import { blockAnswer } from '../answers.js';
import { type HookAnswer, type HookContext, type HookHandler, noOpinion } from '../types.js';

/**
 * PreToolUse: the guard's decision on one tool call. A deny or an ask goes back in Claude Code's format
 * with the reason (rule and sanctioned alternative); an allow is "no opinion", so Claude Code's own
 * permission settings still apply. Every deny and ask is recorded in state.db before answering.
 */
export const handle: HookHandler = async (input, context) => {
  const tool = input.tool_name;
  const toolInput = input.tool_input;
  if (typeof tool !== 'string' || tool === '') {
    return blockAnswer(
      'pre-tool-use',
      messages.hookInputWrongShape('pre-tool-use', 'tool_name must be a non-empty string'),
    );
  }
  if (toolInput === null || typeof toolInput !== 'object' || Array.isArray(toolInput)) {
    return blockAnswer(
      'pre-tool-use',
      messages.hookInputWrongShape('pre-tool-use', 'tool_input must be a JSON object'),
    );
  }
  const cwd = typeof input.cwd === 'string' && isAbsolute(input.cwd) ? input.cwd : context.cwd;
  const repoRoot = findRepositoryRoot(cwd);
  // An invalid config blocks whatever guard.onError says: we cannot trust a setting we cannot read.
  let config: GuardConfig;
  try {
    config = (await loadGuardConfig(cwd)).config;
  } catch (error) {
    return blockAnswer('pre-tool-use', error instanceof Error ? error.message : String(error));
  }
  const call = { tool, input: toolInput as Record<string, unknown> };
  let verdict: Verdict;
  // Tamper evidence: a control file changed behind init's back refuses everything, the repair included:
  // `factory init` run by the agent would record the agent's change as good, so the repair is the human's,
  // in a terminal (init itself refuses to record inside an agent session: install/init.ts).
  const tampered = repoRoot ? checkControlFiles(repoRoot) : undefined;
  if (tampered && tampered.length > 0) {
    const reason = messages.guardTampered(describeTamper(tampered));
    verdict = { decision: 'deny', rule: 'control-tampered', reason, findings: [] };
    const { warning } = await audit(verdict, call, config, repoRoot, cwd, sessionIdOf(input), context);
    return answer(verdict, warning);
  }
  try {
    verdict = decide(call, { cwd, config, repoRoot, home: context.env.HOME || undefined, env: context.env });
  } catch (error) {
    const reason =
      error instanceof GuardInputError
        ? messages.hookToolInputInvalid(error.message)
        : messages.hookInternalError(error instanceof Error ? error.message : String(error));
    if (config.onError === 'allow') return { ...noOpinion, stderr: `${messages.guardFailedOpen(reason)}\n` };
    return blockAnswer('pre-tool-use', reason);
  }
  const { allowed, warning } = await audit(verdict, call, config, repoRoot, cwd, sessionIdOf(input), context);
  if (verdict.decision === 'allow' || allowed) return warning ? { ...noOpinion, stderr: warning } : noOpinion;
  return answer(verdict, warning);
};

function sessionIdOf(input: { session_id?: unknown }): string | undefined {
  return typeof input.session_id === 'string' ? input.session_id : undefined;
}

function answer(verdict: Verdict, warning: string | undefined): HookAnswer {
  const stdout = JSON.stringify({
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: verdict.decision,
      permissionDecisionReason: verdict.reason,
    },
  });
  return { stdout, stderr: warning ?? '', exitCode: 0 };
}

/**
 * Records the decision (every deny and ask; everything with audit: all; every call a disabled rule would
 * have refused) and spends a human's one-off allowance when one covers the refusal.
 */
async function audit(
  verdict: Verdict,
  call: { tool: string; input: Record<string, unknown> },
  config: GuardConfig,
  repoRoot: string | undefined,
  cwd: string,
  sessionId: string | undefined,
  context: HookContext,
): Promise<{ allowed: boolean; warning?: string }> {
  const disabled = verdict.findings.filter((finding) => finding.disabled && finding.decision !== 'allow');
  const record = verdict.decision !== 'allow' || config.audit === 'all' || disabled.length > 0;
  if (!record || !repoRoot) return { allowed: false };
  try {
    const refusing = new Set(
      verdict.findings.filter((f) => !f.disabled && f.decision !== 'allow').map((f) => f.rule),
    );
    const rules = refusing.size === 1 ? [...refusing] : [];
    const note =
      disabled.length > 0
        ? `disabled in config: ${disabled.map((finding) => `${finding.rule} (${config.disable.find((d) => d.rule === finding.rule)?.reason})`).join('; ')}`
        : verdict.note;
    const decision = {
      sessionId,
      tool: call.tool,
      inputSummary: summarizeCall(call),
      decision: verdict.decision,
      rule: verdict.rule ?? disabled[0]?.rule,
      reason: verdict.reason,
      cwd,
      note,
    };
    const dbPath = stateDbPath(repoRoot);
    // A file in the inbox, not a transaction in state.db, unless an allowance could let the call through
    // (state/guard-inbox.ts: about 4 ms less per refusal; readers fold the inbox into state.db).
    const { postGuardDecision } = await import('../../state/guard-inbox.js');
    if (postGuardDecision(dbPath, decision, rules.length > 0)) return { allowed: false };
    const [{ StateStore }, { recordWithAllowance }, { gatesSchema }] = await Promise.all([
      import('@factory/core/state/store'),
      import('../../state/guard-decisions.js'),
      import('../../state/migrations/index.js'),
    ]);
    const store = StateStore.open({
      path: dbPath,
      leaveOpenAtExit: context.exitsAfterAnswer === true,
      // Only gates' tables: a tool call never migrates (or waits on) another package's schema.
      schemas: [gatesSchema],
    });
    try {
      const result = recordWithAllowance(store, decision, rules);
      return { allowed: result.allowance !== undefined };
    } finally {
      store.close();
    }
  } catch (error) {
    // The decision stands; a refusal is still a refusal when it could not be recorded.
    return {
      allowed: false,
      warning: `${messages.guardAuditFailed(error instanceof Error ? error.message : String(error))}\n`,
    };
  }
}
