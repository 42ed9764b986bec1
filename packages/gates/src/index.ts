export { type HookEventArg, type HookEventName, hookEvents, isHookEventArg } from './hook/events.js';
export { blockAnswer, type HookAnswer, type HookContext, parseHookInput, routeHook } from './hook/router.js';
export { messages as gatesMessages } from './messages.js';
