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
  unknownCommandSuggest: (name: string, suggestion: string) =>
    `there is no command "${name}"; did you mean factory ${suggestion}? (factory ${suggestion} --help says what it does; factory --help lists every command.)`,
  guardExplainNeedsDashes: (unknown: string, command: string) =>
    `the guard read ${unknown} as its own option; put the command to explain after --, e.g. factory guard explain -- ${command}.`,
  notANumber: (option: string, given: string) =>
    `${option} ${given === '' ? 'needs' : `"${given}" is not`} a number; pass one, e.g. ${option} 10.`,
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
  memoryRecurringHeading:
    'The guard keeps refusing the same thing; make it a check (an eval scenario or a gate rule), not another memory:',
  memoryDuplicatesGuard: (rule: string, count: number, kind: string) =>
    `note: the guard already refused this ${count} times (rule ${rule}); a memory entry will not stop it, ${kind === 'gate-rule' ? 'a gate rule and an eval scenario will' : 'an eval scenario will'}: see the proposal below.`,
  memoryBadId: (id: string) => `"${id}" is not a memory entry id; run factory memory list to see the ids.`,
  presetUnknown: (name: string, known: readonly string[]) =>
    `there is no preset "${name}" (known: ${known.join(', ')}); pass one of them.`,
  skillsNothingInstalled:
    'no factory skills are installed here yet; run factory skills sync --preset NAME or name the skills to install.',
  skillsRmKept: (names: readonly string[]) =>
    `not removed because they were edited here: ${names.join(', ')}; run factory skills rm --force to remove them anyway.`,
  skillsDrifted: (names: readonly string[]) =>
    `left alone because they were edited here: ${names.join(', ')}; run factory skills sync --force to replace them.`,
  evalLaneConflict: '--transcript and --live choose different lanes; pass one of them.',
  evalBadRuns: (value: string) => `--runs ${value} is not a positive whole number; pass e.g. --runs 5.`,
  evalBadMaxCost: (value: string) =>
    `--max-cost ${value} is not a positive amount in USD; pass e.g. --max-cost 2.`,
  evalBadConcurrency: (value: string) =>
    `--concurrency ${value} is not a positive whole number; pass e.g. --concurrency 2.`,
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
  // --- sweep helper: manifest, repos, sweep, forges, review ---
  manifestNoneTagged: (tag: string) => `no repository of the manifest has the tag ${tag}; check --only.`,
  repoAdded: (path: string) => `added ${path}`,
  repoAlreadyListed: (path: string) => `${path} is already in the manifest`,
  repoRemoved: (path: string) => `removed ${path}`,
  repoNotListed: (path: string, file: string) =>
    `${path} is not in ${file}; run factory repos list to see the paths.`,
  repoNotAFolder: (path: string) => `${path} is not a folder; pass the path of a git working tree.`,
  repoNotARepository: (path: string) =>
    `${path} is a folder but not a git repository; pass the top folder of a clone, or run git init there first.`,
  repoInsideRepository: (path: string, top: string) =>
    `${path} is inside the repository ${top}, not its top folder; pass ${top}.`,
  concurrencyInvalid: (value: unknown) =>
    `--concurrency ${String(value)} is not a whole number from 1 to 64; pass one.`,
  sweepTimeoutInvalid: (value: unknown, max: number) =>
    `--timeout ${String(value)} is not a number of seconds above 0 and at most ${max}; pass one, e.g. --timeout 120.`,
  sweepInterrupted: (done: number, total: number) =>
    `sweep interrupted after ${done} of ${total} repositories; run factory sweep --resume to sweep the rest.`,
  resumeNothing: 'every repository was healthy in its last sweep: --resume has nothing to retry.',
  reviewSummary: (
    s: {
      repositories: number;
      open: number;
      mergeable: number;
      merged: number;
      failed: number;
      errors: number;
    },
    merge: boolean,
  ) =>
    `${s.open} open request${s.open === 1 ? '' : 's'} in ${s.repositories} repositories: ${s.mergeable} allowed by the policy, ${merge ? `${s.merged} merged, ${s.failed} failed` : 'dry run (pass --merge to merge)'}${s.errors ? `, ${s.errors} repositories could not be read` : ''}.`,
  sweepSummary: (s: { total: number; healthy: number; unhealthy: number; failed: number; timeout: number }) =>
    `${s.total} repositories swept: ${s.healthy} healthy, ${s.unhealthy} unhealthy, ${s.failed} failed, ${s.timeout} timed out.`,
  forgeUnknown: (repo: string) =>
    `cannot tell the forge of ${repo}: set forge (github or gitlab) and project in the manifest.`,

  // guard (guard helper)
  guardExplainEmpty: 'name the command to explain: factory guard explain -- git push --force',
  guardInputNotJson: (reason: string) =>
    `--input is not valid JSON (${reason}); pass the tool input as a JSON object.`,
  guardInputNotObject: '--input must be a JSON object, e.g. \'{"command": "git status"}\'.',
  guardInputInvalid: (problem: string) =>
    `the tool input is malformed (${problem}); pass what Claude Code sends.`,
  guardAllowNeedsReason:
    'an allowance needs a reason (--reason "why"); it is recorded with every call it lets through.',
  guardAllowBadNumber: (option: string, range: string) => `${option} must be ${range}.`,
  guardAllowUnknownRule: (rule: string) =>
    `there is no guard rule "${rule}" in this repository; factory guard log shows the rule of each refusal.`,
  guardAllowNeedsTerminal: (rule: string, category: string) =>
    `rule ${rule} is a ${category} rule: only a human at a terminal can allow it (the agent cannot grant itself this exception); run the command yourself in a terminal.`,
  // server-side gates: factory ci init (ci-pg helper)
  ciNotInRepository: (dir: string) =>
    `${dir} is not inside a git repository; run factory ci init at the top of the repository whose CI should run the gates, or pass --cwd DIR.`,
  ciInitDone:
    'commit the file(s), then make the check "factory-gates" required for merges; factory review requires it on the head commit (review.factoryCheck).',
  // shared state on PostgreSQL: factory state sync (pg-state helper)
  stateSyncNoUrl:
    "factory state sync copies state to the team's PostgreSQL database, and none is set; set FACTORY_STATE_URL=postgres://... (or state.url in the config).",
  stateSyncSkipped: (why: string) =>
    `the team's state was not synced (${why.replace(/\.$/, '')}); it stays in .factory/state.db, run factory state sync once the server is back.`,
} as const;
