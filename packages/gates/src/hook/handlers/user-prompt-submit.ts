import { type HookHandler, noOpinion } from '../types.js';

/** UserPromptSubmit: context (memory) that matches the prompt. */
export const handle: HookHandler = async () => noOpinion;
