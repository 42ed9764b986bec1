import { messages } from '../messages.js';
import { blockAnswer } from './answers.js';
import { type HookEventArg, hookEvents, isHookEventArg } from './events.js';
import type { HookAnswer, HookContext, HookHandler, HookInput } from './types.js';

export { blockAnswer } from './answers.js';
export type { HookAnswer, HookContext, HookInput } from './types.js';

/** Each event's handler is imported only when that event fires: the start-up path stays lean. */
const handlers: Record<HookEventArg, () => Promise<{ handle: HookHandler }>> = {
  'pre-tool-use': () => import('./handlers/pre-tool-use.js'),
  'post-tool-use': () => import('./handlers/post-tool-use.js'),
  'session-start': () => import('./handlers/session-start.js'),
  'user-prompt-submit': () => import('./handlers/user-prompt-submit.js'),
  stop: () => import('./handlers/stop.js'),
};

export function parseHookInput(event: string, raw: string): { input: HookInput } | { answer: HookAnswer } {
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
 * The one entry for every Claude Code hook event: `factory hook <event>` with the hook JSON on stdin.
 * Anything that goes wrong blocks the call (fail closed): the guard exists to say no when unsure.
 */
export async function routeHook(event: string, raw: string, context: HookContext): Promise<HookAnswer> {
  if (!isHookEventArg(event)) {
    return blockAnswer(event, messages.hookUnknownEvent(event, Object.keys(hookEvents)));
  }
  const parsed = parseHookInput(event, raw);
  if ('answer' in parsed) return parsed.answer;
  try {
    const { handle } = await handlers[event]();
    return await handle(parsed.input, context, event);
  } catch (error) {
    return blockAnswer(
      event,
      messages.hookInternalError(error instanceof Error ? error.message : String(error)),
    );
  }
}
