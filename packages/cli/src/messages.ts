/**
 * Every user-facing message of the factory command, in one place.
 * Errors are one sentence on stderr: what is wrong, then how to fix it.
 */
export const messages = {
  notAvailable: (command: string) =>
    `factory ${command} is not available in this version yet; see docs/cli.md for what is.`,
  usage: (detail: string) => `${detail}; run factory --help for usage.`,
  unknownCommand: (name: string) => `unknown command "${name}"; run factory --help to see the commands.`,
  internalError: (reason: string) =>
    `factory failed unexpectedly (${reason}); run again with --debug for details and report the bug.`,
  cwdMissing: (dir: string) => `--cwd ${dir} is not a folder; pass an existing folder.`,

  // state: factory task and factory status (state helper)
  badBusyTimeout: (raw: string) =>
    `FACTORY_BUSY_TIMEOUT_MS=${raw} is not a number of milliseconds; set it to a whole number such as 5000.`,
  taskNoneFree: (filter: string) =>
    `no task is free to claim${filter}; add one with factory task add TITLE or wait for a lease to end.`,
  taskBadJson: (option: string, reason: string) =>
    `${option} is not a JSON object (${reason}); pass an object such as '{"sha":"abc"}'.`,
  taskUnknownRef: (ref: string) =>
    `there is no task "${ref}"; name a task by its number or its key (factory task list shows both).`,
  taskBadNumber: (option: string, raw: string) => `${option} ${raw} is not a whole number; pass a number.`,
} as const;
