import { existsSync } from 'node:fs';
import { messages } from '../messages.js';
import { blockAnswer } from './answers.js';
import { type HookEventArg, hookEvents, isHookEventArg } from './events.js';
import { failOpenIfConfigured, parseHookInput } from './input.js';
import type { HookAnswer, HookContext, HookHandler } from './types.js';

export { blockAnswer } from './answers.js';
export { failOpenIfConfigured, MAX_HOOK_INPUT_BYTES, parseHookInput } from './input.js';
export type { HookAnswer, HookContext, HookInput } from './types.js';

/** Each event's handler is imported only when that event fires: the start-up path stays lean. */
const handlers: Record<HookEventArg, () => Promise<{ handle: HookHandler }>> = {
  'pre-tool-use': () => importBundled('./handlers/pre-tool-use', () => import('./handlers/pre-tool-use.js')),
  'post-tool-use': () => import('./handlers/post-tool-use.js'),
  'session-start': () => import('./handlers/session-start.js'),
  'user-prompt-submit': () => import('./handlers/user-prompt-submit.js'),
  stop: () => import('./handlers/stop.js'),
};

/**
 * The build bundles the hottest handler into one file (scripts/bundle-hot-paths.mjs): one module to load
 * instead of about twenty. The plain module is the fallback (a build without the bundle step, tests, and
 * the packed factory, where all of factory is one bundle already): a literal import, which bundlers follow.
 */
async function importBundled(
  base: string,
  plain: () => Promise<{ handle: HookHandler }>,
): Promise<{ handle: HookHandler }> {
  const bundle = new URL(`${base}.bundle.js`, import.meta.url);
  if (existsSync(bundle)) return (await import(bundle.href)) as { handle: HookHandler };
  return plain();
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
  if ('answer' in parsed) return failOpenIfConfigured(event, parsed.answer, context);
  try {
    const { handle } = await handlers[event]();
    return await handle(parsed.input, context, event);
  } catch (error) {
    const answer = blockAnswer(
      event,
      messages.hookInternalError(error instanceof Error ? error.message : String(error)),
    );
    return failOpenIfConfigured(event, answer, context);
  }
}
