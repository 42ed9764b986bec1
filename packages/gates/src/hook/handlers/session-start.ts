import type { HookHandler } from '../types.js';
import { memoryAnswer } from './memory-answer.js';

/** SessionStart: the project's memory, most relevant first and bounded, added to the model's context. */
export const handle: HookHandler = async (input, context) => {
  const cwd = typeof input.cwd === 'string' && input.cwd !== '' ? input.cwd : context.cwd;
  return memoryAnswer('SessionStart', cwd, ({ sessionStartMemory }) => sessionStartMemory(cwd, context.env));
};
