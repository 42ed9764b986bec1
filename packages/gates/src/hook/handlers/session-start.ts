import { existsSync } from 'node:fs';
import { findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { messages } from '../../messages.js';
import { type HookHandler, noOpinion } from '../types.js';

/** SessionStart: the project's memory, most relevant first and bounded, added to the model's context. */
export const handle: HookHandler = async (input, context) => {
  const cwd = typeof input.cwd === 'string' && input.cwd !== '' ? input.cwd : context.cwd;
  // No state database, no memory: decided before node:sqlite or anything else is loaded.
  const root = findRepositoryRoot(cwd);
  if (!root || !existsSync(stateDbPath(root))) return noOpinion;
  // Memory is guidance, not a safety check: a broken state database must not block the session or the
  // prompt (exit 2 would), so a failure here is reported and the hook stays out of the way.
  let memory: import('@factory/core/memory/hook-context').MemoryContext | undefined;
  try {
    const { sessionStartMemory } = await import('@factory/core/memory/hook-context');
    memory = sessionStartMemory(cwd, context.env);
  } catch (error) {
    return {
      stdout: '',
      stderr: `${messages.memoryUnavailable(error instanceof Error ? error.message : String(error))}\n`,
      exitCode: 0,
    };
  }
  if (!memory) return noOpinion;
  const stdout = JSON.stringify({
    hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: memory.text },
  });
  return { stdout, stderr: '', exitCode: 0 };
};
