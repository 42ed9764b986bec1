import { messages } from '../messages.js';
import { hookEvents, isHookEventArg } from './events.js';

/** What a hook invocation answers: Claude Code reads stdout (JSON), stderr and the exit code. */
export interface HookAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface HookContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Blocks the call: a PreToolUse deny in Claude Code's format, and exit 2 for every other event. */
export function blockAnswer(event: string, reason: string): HookAnswer {
  if (event === 'pre-tool-use') {
    const stdout = JSON.stringify({
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: reason,
      },
    });
    return { stdout, stderr: `${reason}\n`, exitCode: 0 };
  }
  return { stdout: '', stderr: `${reason}\n`, exitCode: 2 };
}

export function parseHookInput(event: string, raw: string): Record<string, unknown> | HookAnswer {
  if (raw.trim() === '') return blockAnswer(event, messages.hookInputEmpty(event));
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return blockAnswer(event, messages.hookInputNotJson(event));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return blockAnswer(event, messages.hookInputWrongShape(event, 'expected a JSON object'));
  }
  return parsed as Record<string, unknown>;
}

/**
 * The one entry for every Claude Code hook event: `factory hook <event>` with the hook JSON on stdin.
 * Anything that goes wrong blocks the call (fail closed): the guard exists to say no when unsure.
 */
export async function routeHook(event: string, raw: string, context: HookContext): Promise<HookAnswer> {
  if (!isHookEventArg(event))
    return blockAnswer(event, messages.hookUnknownEvent(event, Object.keys(hookEvents)));
  const input = parseHookInput(event, raw);
  if ('exitCode' in input && typeof input.exitCode === 'number') return input as HookAnswer;
  try {
    void context;
    // The policy engine and the other event handlers plug in here.
    return { stdout: '', stderr: '', exitCode: 0 };
  } catch (error) {
    return blockAnswer(
      event,
      messages.hookInternalError(error instanceof Error ? error.message : String(error)),
    );
  }
}
