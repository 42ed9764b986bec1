import { messages } from '../messages.js';
import { blockAnswer } from './answers.js';
import { handle } from './handlers/pre-tool-use.js';
import { failOpenIfConfigured, parseHookInput } from './input.js';
import type { HookAnswer, HookContext } from './types.js';

/**
 * `factory hook pre-tool-use` without the router: the hottest path of all (every tool call), so the fast
 * path loads this module's bundle (scripts/bundle-hot-paths.mjs), one file with the handler, instead of
 * the router and its modules. It behaves exactly like routeHook('pre-tool-use', ...).
 */
export async function routePreToolUse(raw: string, context: HookContext): Promise<HookAnswer> {
  const parsed = parseHookInput('pre-tool-use', raw);
  if ('answer' in parsed) return failOpenIfConfigured('pre-tool-use', parsed.answer, context);
  try {
    return await handle(parsed.input, context, 'pre-tool-use');
  } catch (error) {
    const answer = blockAnswer(
      'pre-tool-use',
      messages.hookInternalError(error instanceof Error ? error.message : String(error)),
    );
    return failOpenIfConfigured('pre-tool-use', answer, context);
  }
}
