import { existsSync } from 'node:fs';
import { messages } from '../messages.js';
import { blockAnswer } from './answers.js';
import { type HookEventArg, hookEvents, isHookEventArg } from './events.js';
import type { HookAnswer, HookContext, HookHandler, HookInput } from './types.js';

export { blockAnswer } from './answers.js';
export type { HookAnswer, HookContext, HookInput } from './types.js';

/** Each event's handler is imported only when that event fires: the start-up path stays lean. */
const handlers: Record<HookEventArg, () => Promise<{ handle: HookHandler }>> = {
  'pre-tool-use': () => importBundled('./handlers/pre-tool-use'),
  'post-tool-use': () => import('./handlers/post-tool-use.js'),
  'session-start': () => import('./handlers/session-start.js'),
  'user-prompt-submit': () => import('./handlers/user-prompt-submit.js'),
  stop: () => import('./handlers/stop.js'),
};

/** Claude Code's hook payloads are small; anything this big is not one (and is not worth parsing). */
export const MAX_HOOK_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * The build bundles the hottest handler into one file (scripts/bundle-hot-paths.mjs): one module to load
 * instead of about twenty. The plain module is the fallback (a build without the bundle step, tests).
 */
async function importBundled(base: string): Promise<{ handle: HookHandler }> {
  const bundle = new URL(`${base}.bundle.js`, import.meta.url);
  if (existsSync(bundle)) return (await import(bundle.href)) as { handle: HookHandler };
  return (await import(new URL(`${base}.js`, import.meta.url).href)) as { handle: HookHandler };
}

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

/**
 * A guard that cannot check a tool call blocks it, unless the repository's config says
 * `guard.onError: "allow"`; then the call goes on, with the reason on stderr. Only read on this error
 * path, and an unreadable config keeps the block.
 */
async function failOpenIfConfigured(
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
