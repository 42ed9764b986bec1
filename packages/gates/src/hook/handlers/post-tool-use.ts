import { type HookHandler, noOpinion } from '../types.js';

/** PostToolUse: what happened after a tool ran. */
export const handle: HookHandler = async () => noOpinion;
