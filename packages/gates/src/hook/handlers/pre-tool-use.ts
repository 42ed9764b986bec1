import { type HookHandler, noOpinion } from '../types.js';

/** PreToolUse: the guard's decision on one tool call. */
export const handle: HookHandler = async () => noOpinion;
