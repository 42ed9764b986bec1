import { type HookHandler, noOpinion } from '../types.js';
import { memoryAnswer } from './memory-answer.js';

/** UserPromptSubmit: the memory entries whose tags, words or paths match the prompt. */
export const handle: HookHandler = async (input, context) => {
  const cwd = typeof input.cwd === 'string' && input.cwd !== '' ? input.cwd : context.cwd;
  const prompt = typeof input.prompt === 'string' ? input.prompt : '';
  if (prompt.trim() === '') return noOpinion;
  return memoryAnswer('UserPromptSubmit', cwd, ({ promptMemory }) => promptMemory(cwd, prompt, context.env));
};
