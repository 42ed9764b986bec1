/**
 * Every user-facing message of packages/gates, in one place. A refusal names the rule and the
 * sanctioned alternative; an error says what is wrong and how to fix it, in one sentence.
 */
export const messages = {
  hookInputNotJson: (event: string) =>
    `factory guard blocked this call: the ${event} hook input on stdin was not valid JSON, so it could not be checked; this is a bug in the caller, report it with the payload.`,
  hookInputEmpty: (event: string) =>
    `factory guard blocked this call: the ${event} hook received no input on stdin, so it could not be checked.`,
  hookInputWrongShape: (event: string, what: string) =>
    `factory guard blocked this call: the ${event} hook input is malformed (${what}).`,
  hookUnknownEvent: (event: string, known: readonly string[]) =>
    `factory guard blocked this call: unknown hook event "${event}" (known: ${known.join(', ')}); fix the command in .claude/settings.json or re-run factory init.`,
  hookInternalError: (reason: string) =>
    `factory guard blocked this call because it failed internally (${reason}); run factory doctor, and report the bug if it persists.`,
} as const;
