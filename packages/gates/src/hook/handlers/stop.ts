import { type HookHandler, noOpinion } from '../types.js';

/** Stop: keeps the agent working while its claimed task is unfinished. */
export const handle: HookHandler = async () => noOpinion;
