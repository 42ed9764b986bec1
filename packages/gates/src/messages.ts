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

  // ---- the agent guard (guard helper) ----
  guardConfigInvalid: (file: string, problem: string) =>
    `the guard config in ${file} is invalid: ${problem}; fix the file (the schema is packages/core/src/config/schema/guard.schema.json) and every tool call is checked again.`,
  hookInputTooLarge: (event: string, bytes: number, limit: number) =>
    `factory guard blocked this call: the ${event} hook input is ${bytes} bytes, over the ${limit}-byte limit, so it was not checked.`,
  hookToolInputInvalid: (problem: string) =>
    `factory guard blocked this call: the tool input is malformed (${problem}), so it could not be checked.`,
  guardFailedOpen: (reason: string) =>
    `factory guard could not decide (${reason}) and guard.onError is "allow", so the call goes on unchecked.`,
  guardAuditFailed: (reason: string) =>
    `factory guard: the decision was not recorded in .factory/state.db (${reason}); run factory doctor.`,
  stopTaskOpen: (task: string, state: string) =>
    `factory: the task you claimed (${task}) is still "${state}"; finish it and move it to a terminal state (factory task move), or hand it over (factory task release) before stopping.`,
  stopGatesRed: (sha: string, gate: string) =>
    `factory: the gates are red on your last commit ${sha} (${gate} failed); fix what it reports and commit again before stopping.`,
} as const;
