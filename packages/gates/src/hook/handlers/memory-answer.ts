import { existsSync } from 'node:fs';
import { findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { messages } from '../../messages.js';
import { type HookAnswer, noOpinion } from '../types.js';

type HookContextModule = typeof import('../../memory/hook-context.js');
type MemoryContext = import('../../memory/hook-context.js').MemoryContext;

/**
 * The answer of the memory hooks (SessionStart, UserPromptSubmit): the chosen entries as the model's
 * additional context. Memory is guidance, not a safety check: a broken state database must not block the
 * session or the prompt (exit 2 would), so a failure is reported on stderr and the hook stays out of the way.
 */
export async function memoryAnswer(
  hookEventName: 'SessionStart' | 'UserPromptSubmit',
  cwd: string,
  choose: (module: HookContextModule) => MemoryContext | undefined,
): Promise<HookAnswer> {
  // No state database, no memory: decided before node:sqlite or anything else is loaded.
  const root = findRepositoryRoot(cwd);
  if (!root || !existsSync(stateDbPath(root))) return noOpinion;
  let memory: MemoryContext | undefined;
  try {
    memory = choose(await import('../../memory/hook-context.js'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { stdout: '', stderr: `${messages.memoryUnavailable(reason)}\n`, exitCode: 0 };
  }
  if (!memory) return noOpinion;
  const stdout = JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext: memory.text } });
  return { stdout, stderr: '', exitCode: 0 };
}
