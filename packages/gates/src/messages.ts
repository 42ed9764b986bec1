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

  // skills and memory (evals helper)
  memoryUnavailable: (reason: string) =>
    `factory memory was not added to the context (${reason}); run factory doctor to check the state database.`,
  skillsManifestInvalid: (file: string) =>
    `${file} is not a valid skills manifest; move it aside and run factory skills sync --force to reinstall the skills.`,
  skillUnknown: (name: string, known: readonly string[]) =>
    `there is no shipped skill "${name}" (shipped: ${known.join(', ')}); check the name.`,
} as const;
