/**
 * Every user-facing message of packages/agent, in one place.
 * Each is one sentence: what is wrong, then how to fix it.
 */
export const messages = {
  // scenarios, transcripts and eval runs
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
    `the Claude Code CLI was not found (${tried}); install @anthropic-ai/claude-code or set FACTORY_CLAUDE.`,
  evalCostExceeded: (spent: number, limit: number) =>
    `the eval run stopped after spending $${spent.toFixed(4)} (limit $${limit.toFixed(4)}); raise --max-cost or run fewer scenarios.`,
  setupCommandFailed: (name: string, command: string, output: string) =>
    `scenario ${name}: the setup command "${command}" failed (${output}); fix the scenario's setup.`,
  // --- sweep helper: merge policy reasons (review), pull requests, the home state store ---
} as const;
