import { type HookHandler, noOpinion } from '../types.js';

/** SessionStart: context (memory) added at the start of a session. */
export const handle: HookHandler = async () => noOpinion;
