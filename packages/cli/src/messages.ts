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
  evalLaneConflict: '--transcript and --live choose different lanes; pass one of them.',
  evalBadRuns: (value: string) => `--runs ${value} is not a positive whole number; pass e.g. --runs 5.`,
  evalNoRuns: 'no eval runs are recorded here yet; run factory eval run first.',
  evalCompareSummary: (regressed: number, total: number) =>
    regressed === 0
      ? `no regressions across ${total} scenario(s).`
      : `${regressed} of ${total} scenario(s) regressed since their previous run.`,
  evalNoGuardRules: 'the built-in guard rules are not available in this build: only skills were checked.',
  evalUnknownSkill: (name: string) =>
    `a scenario names the skill "${name}", which is not shipped; fix the name.`,
  evalCoverageSummary: (missing: number) =>
    missing === 0
      ? 'every shipped skill and guard rule has a scenario.'
      : `${missing} skill(s) or rule(s) have no scenario; add scenarios to evals/.`,
} as const;
