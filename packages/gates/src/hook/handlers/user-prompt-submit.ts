import { existsSync } from 'node:fs';
import { findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { messages } from '../../messages.js';
import { type HookHandler, noOpinion } from '../types.js';

/** UserPromptSubmit: the memory entries whose tags, words or paths match the prompt. */
export const handle: HookHandler = async (input, context) => {
  const cwd = typeof input.cwd === 'string' && input.cwd !== '' ? input.cwd : context.cwd;
  const prompt = typeof input.prompt === 'string' ? input.prompt : '';
  // No state database or no prompt, no memory: decided before node:sqlite or anything else is loaded.
  const root = findRepositoryRoot(cwd);
  if (!root || prompt.trim() === '' || !existsSync(stateDbPath(root))) return noOpinion;
  // Memory is guidance, not a safety check: a broken state database must not block the session or the
  // prompt (exit 2 would), so a failure here is reported and the hook stays out of the way.
  let memory: import('@factory/core/memory/hook-context').MemoryContext | undefined;
  try {
    const { promptMemory } = await import('@factory/core/memory/hook-context');
    memory = promptMemory(cwd, prompt, context.env);
  } catch (error) {
    return {
      stdout: '',
      stderr: `${messages.memoryUnavailable(error instanceof Error ? error.message : String(error))}\n`,
      exitCode: 0,
    };
  }
  if (!memory) return noOpinion;
  const stdout = JSON.stringify({
    hookSpecificOutput: { hookEventName: 'UserPromptSubmit', additionalContext: memory.text },
  });
  return { stdout, stderr: '', exitCode: 0 };
};
