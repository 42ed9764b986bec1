/**
 * Every user-facing message of packages/core, in one place.
 * Each is one sentence: what is wrong, then how to fix it.
 */
export const messages = {
  stateDirUnwritable: (dir: string, reason: string) =>
    `cannot create the state folder ${dir} (${reason}); make the folder writable or run factory from a repository you can write to.`,
  stateNotADatabase: (file: string) =>
    `${file} is not a factory state database (it is corrupt or another kind of file); move it aside and run the command again to start a fresh one.`,
  stateLocked: (file: string, ms: number) =>
    `${file} is locked by another process for more than ${ms} ms; wait for it to finish or stop it, then try again.`,
  stateTooNew: (file: string, found: number, known: number) =>
    `${file} was written by a newer factory (schema ${found}, this one knows up to ${known}); upgrade factory, the database was left untouched.`,
  stateReadOnly: (file: string) =>
    `${file} cannot be written (read-only file or folder); fix its permissions and try again.`,
  stateOpenFailed: (file: string, reason: string) =>
    `cannot open the state database ${file} (${reason}); check the path and its permissions.`,
  notInRepository: (dir: string) =>
    `${dir} is not inside a git repository; run the command in a repository or pass --cwd DIR.`,

  // state: workflows and tasks (state helper)
  workflowInvalid: (problems: readonly string[], source?: string) =>
    `the workflows${source ? ` in ${source}` : ''} are invalid: ${problems.join('; ')}; fix the workflows section of the factory config.`,
  workflowUnknown: (name: string, known: readonly string[]) =>
    `there is no workflow named "${name}"; use one of ${known.join(', ')} or define it in the workflows section of the factory config.`,
  workflowUnknownState: (workflow: string, state: string) =>
    `workflow ${workflow} has no state "${state}"; check the workflow's states.`,
  taskUnknown: (id: number) => `there is no task ${id}; run factory task list to see the tasks.`,
  taskBadId: (text: string) => `"${text}" is not a task id; pass the number that factory task list shows.`,
  taskTitleMissing: 'a task needs a title; pass a non-empty title.',
  taskOwnerMissing: 'an owner is needed; pass --owner ID (for example the agent session id).',
  taskBadTtl: (ttl: number, max: number) =>
    `--ttl ${ttl} is not a lease length; pass a number of seconds above 0 and at most ${max}.`,
  taskBadMaxAttempts: (n: number) => `--max-attempts ${n} is not allowed; pass a whole number of at least 1.`,
  taskBadPriority: (n: number) => `--priority ${n} is not allowed; pass a whole number.`,
  taskKeyOtherWorkflow: (key: string, id: number, existing: string, wanted: string) =>
    `key ${key} already names task ${id} of workflow ${existing}, not ${wanted}; use another key or the ${existing} workflow.`,
  taskWorkflowGone: (id: number, workflow: string, known: readonly string[]) =>
    `task ${id} belongs to workflow "${workflow}", which the config no longer defines (known: ${known.join(', ')}); restore the workflow in the config.`,
  taskEnded: (id: number, state: string) =>
    `task ${id} has ended (state ${state}); there is nothing to claim.`,
  taskHeldByOther: (id: number, owner: string, until: string) =>
    `task ${id} is held by ${owner} until ${until}; wait for the lease to end or pick another task.`,
  taskChanged: (id: number) => `task ${id} changed while it was being updated; read it again and retry.`,
  taskLeaseLost: (id: number, owner: string, holder: string | null) =>
    `${owner} no longer holds the lease on task ${id}${holder && holder !== owner ? ` (${holder} does)` : ''}; stop working on it and claim again.`,
  taskNotHeld: (id: number, owner: string, holder: string | null) =>
    `${owner} does not hold task ${id} (${holder ? `${holder} does` : 'nobody does'}); only the holder can release it.`,
  taskVersionConflict: (id: number, expected: number, actual: number) =>
    `task ${id} is at version ${actual}, not ${expected}: someone else changed it; read it again and retry.`,
  taskStateConflict: (id: number, expected: string, actual: string) =>
    `task ${id} is in state ${actual}, not ${expected}: someone else moved it; read it again and retry.`,
  taskIllegalMove: (id: number, workflow: string, state: string, event: string, allowed: readonly string[]) =>
    `task ${id} (workflow ${workflow}) is in state ${state}, where event "${event}" is not allowed; allowed events: ${
      allowed.length ? allowed.join(', ') : 'none (the task has ended)'
    }.`,
  taskGuardMissing: (id: number, event: string, guard: string) =>
    `event "${event}" on task ${id} needs guard "${guard}", which nothing registered in this process; the move is refused until the package that provides it is installed.`,
  taskGuardRefused: (id: number, event: string, guard: string, why: string) =>
    `guard "${guard}" refused event "${event}" on task ${id}: ${why}; fix that, then move the task again.`,
  taskResourceTaken: (kind: string, value: string, taskId: number) =>
    `${kind} ${value} is already held by task ${taskId}; release it there first or pick another.`,
  taskBadResource: (kind: string, value: string) =>
    `${kind} "${value}" is not a valid resource; pass a worktree path, a branch name, a process id or a port number.`,
  // config (gates helper)
  configInvalid: (file: string, path: string, expected: string) =>
    `${file}: ${path} ${expected}; fix the config (its JSON schema lists every key).`,
  configNotJson: (file: string, reason: string) => `${file} is not valid JSON (${reason}); fix the syntax.`,
  configUnreadable: (file: string, reason: string) =>
    `cannot read the config ${file} (${reason}); fix the file or its permissions.`,
  configUnknownPreset: (file: string, name: string) =>
    `${file}: extends names the preset "${name}", which does not exist; use base, typescript or python, or a path to a JSON file.`,
  configExtendsMissing: (file: string, ref: string, target: string) =>
    `${file}: extends names "${ref}", but ${target} does not exist; fix the path.`,
  configExtendsNotJson: (file: string, ref: string) =>
    `${file}: extends names "${ref}", which is not a .json file; extend presets by name or JSON files by path.`,
  configExtendsCycle: (file: string, chain: string) =>
    `${file}: extends forms a cycle (${chain}); remove one of the links.`,
  // memory and evals (evals helper)
  memoryEmpty:
    'the memory text is empty; pass the sentence to remember, e.g. factory memory add "run npm test before committing".',
  memoryUnknown: (id: number) => `there is no memory entry ${id}; run factory memory list to see the ids.`,
  scenarioUnreadable: (file: string, reason: string) =>
    `cannot read the eval scenario ${file} (${reason}); check the path.`,
  scenarioYaml: (file: string, line: number, reason: string) =>
    `${file}: line ${line}: not valid YAML (${reason}); fix the syntax.`,
  scenarioInvalid: (file: string, problems: readonly string[]) => `${file}: ${problems.join('; ')}.`,
  scenarioDuplicate: (name: string, first: string, second: string) =>
    `two eval scenarios are named "${name}" (${first} and ${second}); give each scenario its own name.`,
  scenarioFixtureMissing: (file: string, fixture: string) =>
    `${file}: at setup.fixture: expected an existing folder, ${fixture} is not one; fix the path (it is relative to the scenario file).`,
  scenarioNoScript: (name: string) =>
    `scenario ${name} has no script for the scripted lane; run it with --live or --transcript FILE, or add a script.`,
  evalNoScenarios: (where: string) =>
    `no eval scenarios found in ${where}; pass scenario files (*.yaml) or a folder that holds them.`,
  transcriptUnreadable: (file: string, reason: string) =>
    `cannot read the session ${file} (${reason}); pass a stream-json or transcript JSONL file.`,
  transcriptEmpty: (file: string) =>
    `${file} holds no Claude Code session (no JSON lines found); pass a stream-json or transcript JSONL file.`,
  claudeMissing: (tried: string) =>
    `the Claude Code CLI was not found (${tried}); install @anthropic-ai/claude-code or set FACTORY_CLAUDE_BIN.`,
  evalCostExceeded: (spent: number, limit: number) =>
    `the eval run stopped after spending $${spent.toFixed(4)} (limit $${limit.toFixed(4)}); raise --max-cost or run fewer scenarios.`,
  setupCommandFailed: (name: string, command: string, output: string) =>
    `scenario ${name}: the setup command "${command}" failed (${output}); fix the scenario's setup.`,
  // --- sweep helper: merge policy reasons (review), pull requests, the home state store ---
  review: {
    open: 'the pull request is open',
    notOpen: (state: string) => `the pull request is ${state}, not open`,
    draft: 'the pull request is a draft; mark it ready for review',
    notDraft: 'the pull request is not a draft',
    blockingLabels: (labels: readonly string[]) => `blocking label: ${labels.join(', ')}`,
    noLabels: 'no blocking label',
    noChecks: 'no checks reported on the head commit; refusing to merge what nothing has checked',
    checksExist: (n: number) => `${n} check${n === 1 ? '' : 's'} reported on the head commit`,
    requiredGreen: (names: readonly string[]) =>
      `required checks green on the head commit: ${names.join(', ')}`,
    requiredNotGreen: (missing: readonly string[], notGreen: readonly string[]) =>
      [
        missing.length ? `required checks not reported on the head commit: ${missing.join(', ')}` : '',
        notGreen.length ? `required checks not green: ${notGreen.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    failing: (names: readonly string[]) => `failing checks: ${names.join(', ')}`,
    noFailing: 'no failing checks',
    pending: (names: readonly string[]) => `checks still running: ${names.join(', ')}`,
    noPending: 'no pending checks',
    authorAllowed: (author: string) => `author ${author} is allowed`,
    authorNotAllowed: (author: string) =>
      `author ${author} is not in review.authors, so a human must merge it`,
    size: (changed: number, max: number, ok: boolean) =>
      ok
        ? `${changed} changed lines (limit ${max})`
        : `${changed} changed lines is over the limit of ${max}, so a human must review it`,
    protectedTouched: (files: readonly string[]) =>
      `changes protected paths (gates, guard, hooks or factory config), a human must review: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}`,
    protectedUntouched: 'no protected path changed',
    approvals: (have: number, need: number, ok: boolean) =>
      ok
        ? `${have} approval${have === 1 ? '' : 's'} (need ${need})`
        : `${have} of ${need} required approvals`,
    mergeableUnknown: 'the forge has not computed mergeability yet',
    mergeable: 'mergeable without conflicts',
    conflicts: 'has conflicts with the base branch',
    upToDateUnknown: (base: string) => `not known whether the head contains the tip of ${base}`,
    upToDate: 'up to date with the base branch',
    behind: (base: string) => `behind ${base}; update the branch first`,
    factoryCheckGreen: (name: string) => `the factory check ${name} passed on the head commit`,
    factoryCheckMissing: (name: string) =>
      `no factory check ${name} on the head commit: the gates never ran server-side on it; run factory ci init and push, or set review.factoryCheck to false`,
    factoryCheckPending: (name: string) => `the factory check ${name} is still running on the head commit`,
    factoryCheckFailed: (name: string, state: string) =>
      `the factory check ${name} is ${state} on the head commit: the gates refused it`,
  },
  pullTransitionRefused: (key: string, from: string, to: string) =>
    `pull request ${key} cannot move from ${from} to ${to}; read it again and retry.`,
} as const;
