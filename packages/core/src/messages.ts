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
} as const;
