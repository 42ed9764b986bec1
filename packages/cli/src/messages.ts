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

  // memory, skills and evals (evals helper)
  memoryAdded: (id: number) => `remembered as entry ${id}.`,
  memoryRemoved: (id: number) => `forgot entry ${id}.`,
  memoryNone: 'no memory entries yet; add one with factory memory add TEXT [--tag T] [--paths GLOB].',
  memoryBadId: (id: string) => `"${id}" is not a memory entry id; run factory memory list to see the ids.`,
  presetUnknown: (name: string, known: readonly string[]) =>
    `there is no preset "${name}" (known: ${known.join(', ')}); pass one of them.`,
  skillsNothingInstalled:
    'no factory skills are installed here yet; run factory skills sync --preset NAME or name the skills to install.',
  skillsDrifted: (names: readonly string[]) =>
    `left alone because they were edited here: ${names.join(', ')}; run factory skills sync --force to replace them.`,
} as const;
