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
} as const;
