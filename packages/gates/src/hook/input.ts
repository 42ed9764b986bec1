import { messages } from '../messages.js';
import { blockAnswer } from './answers.js';
import type { HookAnswer, HookContext, HookInput } from './types.js';

/** Claude Code's hook payloads are small; anything this big is not one (and is not worth parsing). */
export const MAX_HOOK_INPUT_BYTES = 16 * 1024 * 1024;

export function parseHookInput(event: string, raw: string): { input: HookInput } | { answer: HookAnswer } {
  if (raw.length > MAX_HOOK_INPUT_BYTES) {
    return {
      answer: blockAnswer(event, messages.hookInputTooLarge(event, raw.length, MAX_HOOK_INPUT_BYTES)),
    };
  }
  if (raw.trim() === '') return { answer: blockAnswer(event, messages.hookInputEmpty(event)) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { answer: blockAnswer(event, messages.hookInputNotJson(event)) };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { answer: blockAnswer(event, messages.hookInputWrongShape(event, 'expected a JSON object')) };
  }
  return { input: parsed as HookInput };
}

/**
 * A guard that cannot check a tool call blocks it, unless the repository's config says
 * `guard.onError: "allow"`; then the call goes on, with the reason on stderr. Only read on this error
 * path, and an unreadable config keeps the block.
 */
export async function failOpenIfConfigured(
  event: string,
  answer: HookAnswer,
  context: HookContext,
): Promise<HookAnswer> {
  if (event !== 'pre-tool-use') return answer;
  try {
    const { loadGuardConfig } = await import('../guard/config.js');
    const { config } = await loadGuardConfig(context.cwd);
    if (config.onError !== 'allow') return answer;
    return { stdout: '', stderr: `${messages.guardFailedOpen(answer.stderr.trim())}\n`, exitCode: 0 };
  } catch {
    return answer;
  }
}
