import type { HookAnswer } from './types.js';

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
