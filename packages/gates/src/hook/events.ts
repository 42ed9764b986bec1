/** The Claude Code hook events factory answers, by the name `factory hook <event>` takes. */
export const hookEvents = {
  'pre-tool-use': 'PreToolUse',
  'post-tool-use': 'PostToolUse',
  'session-start': 'SessionStart',
  'user-prompt-submit': 'UserPromptSubmit',
  stop: 'Stop',
} as const;

export type HookEventArg = keyof typeof hookEvents;
export type HookEventName = (typeof hookEvents)[HookEventArg];

export function isHookEventArg(value: string): value is HookEventArg {
  return Object.hasOwn(hookEvents, value);
}
