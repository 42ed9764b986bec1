export { type HookEventArg, type HookEventName, hookEvents, isHookEventArg } from './hook/events.js';
export { blockAnswer, parseHookInput, routeHook } from './hook/router.js';
export type { HookAnswer, HookContext, HookHandler, HookInput } from './hook/types.js';
export { noOpinion } from './hook/types.js';
export { messages as gatesMessages } from './messages.js';
