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
  stateOwnerTooNew: (file: string, owner: string, found: number, known: number) =>
    `${file} was written by a newer factory (${owner} schema ${found}, this one knows up to ${known}); upgrade factory, the database was left untouched.`,
  stateForeign: (file: string) =>
    `${file} is another application's SQLite database, not factory's state; move it aside (factory leaves it untouched) or point factory at another path.`,
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
  configEmpty: (file: string) =>
    `${file} is empty; write {} for the defaults, or { "extends": "base" } (or typescript, python) for a preset, or run factory init.`,
  configNotJson: (file: string, reason: string) => `${file} is not valid JSON (${reason}); fix the syntax.`,
  configNotExecuted: (file: string) =>
    `${file} is a JavaScript or TypeScript config, which factory's hooks do not execute (the agent could change what it computes); convert it to factory.config.json (or YAML) and run factory init.`,
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
  // workflow state on PostgreSQL (FACTORY_STATE_URL; ci-pg helper)
  pgUnreachable: (location: string, reason: string) =>
    `cannot reach the PostgreSQL server of ${location} (${reason}); start it, or fix the host and port in FACTORY_STATE_URL (or the config's state.url).`,
  pgConnectionLost: (location: string) =>
    `the connection to the PostgreSQL server of ${location} was lost; check that the server is running and try again.`,
  pgBadCredentials: (location: string) =>
    `the PostgreSQL server of ${location} refused the user name or password; fix them in FACTORY_STATE_URL (or the config's state.url).`,
  pgNoDatabase: (location: string) =>
    `the database of ${location} does not exist on that PostgreSQL server; create it (createdb) or fix the name in FACTORY_STATE_URL.`,
  pgNoPermission: (location: string, reason: string) =>
    `the PostgreSQL user of ${location} may not do what factory needs (${reason}); grant it the right to create and change tables in that database.`,
  pgSchemaTooNew: (location: string, owner: string, found: number, known: number) =>
    `the workflow state in ${location} was written by a newer factory (${owner} schema version ${found}, this one knows ${known}); upgrade factory, nothing was changed.`,
  taskGuardAsync: (id: number, event: string, guard: string) =>
    `guard "${guard}" of event "${event}" on task ${id} answered later (a promise), and the SQLite state must decide inside its write lock; make the guard answer at once, or keep the tasks on PostgreSQL.`,
  pgBadUrl: (source: string) =>
    `${source} is not a postgres:// URL; set it to postgres://USER:PASSWORD@HOST:PORT/DATABASE, or unset it to keep the state in .factory/state.db.`,
} as const;
