/**
 * The entries that `factory init` merges into `.claude/settings.json` (team) or
 * `.claude/settings.local.json` (personal).
 *
 * Fail closed: Claude Code lets a tool run when its hook command is missing (exit 127), crashes (any exit
 * but 2) or times out. So the entry is a small shell program: when the factory bin is gone it prints why
 * and exits 2, and any failure of the bin becomes exit 2 as well. Exit 2 blocks the call.
 */
export interface HookCommandEntry {
  readonly type: 'command';
  readonly command: string;
  readonly timeout: number;
  /**
   * Claude Code >= 2.1.295: a hook that cannot start, times out or exits with an unexpected code blocks the
   * call instead of letting it run. Older versions ignore the key (the shell wrapper still exits 2).
   */
  readonly onFailure: 'block';
}

export interface HookMatcherGroup {
  readonly matcher?: string;
  readonly hooks: readonly HookCommandEntry[];
}

export type ClaudeHookEntries = Record<string, readonly HookMatcherGroup[]>;

/**
 * Every tool through which the agent can read, write, run or send something: the guard sees each call.
 * Grep prints file contents (`.env`), Glob lists them, WebFetch and WebSearch can carry data out in a URL
 * or a query, Agent (Task in older versions) starts a subagent, and MCP tools (`mcp__<server>__<tool>`)
 * may write files, run commands or push.
 */
export const guardedTools = [
  'Bash',
  'PowerShell',
  'Read',
  'Edit',
  'Write',
  'MultiEdit',
  'NotebookEdit',
  'Grep',
  'Glob',
  'WebFetch',
  'WebSearch',
  'Agent',
  'Task',
] as const;

/** MCP tools, as a regular expression on the tool name. */
export const mcpToolPattern = 'mcp__.*';

/**
 * The PreToolUse matcher. Claude Code reads a matcher with anything but letters, digits, `_ - , |` and
 * spaces as an unanchored regular expression, so it is anchored: `Read` must not match `ReadSomething`.
 */
export const guardMatcher = `^(${[...guardedTools, mcpToolPattern].join('|')})$`;

/** The first Claude Code version that honours `onFailure: "block"` on a hook entry. */
export const minimumClaudeCodeVersion = '2.1.295';

/** A marker every factory entry carries, so the installer finds its own entries and nobody else's. */
export const factoryEntryMarker = 'factory-guard';

export interface HookEntriesOptions {
  /** Absolute path of the node executable recorded at init. */
  readonly nodePath: string;
  /** Absolute path of the factory bin (packages/cli/dist/bin.js) recorded at init. */
  readonly binPath: string;
  /** Seconds Claude Code waits for the hook; a time-out lets the tool run, so keep it generous. */
  readonly timeoutSeconds?: number;
  /**
   * Team mode: the entries are committed and run on other machines, so they carry no path of this one.
   * They look for factory as the committed git hooks do: the project's node_modules/.bin, then the paths
   * `factory init` recorded in this clone's git config, then PATH; and refuse when none is there.
   */
  readonly portable?: boolean;
}

/** Quotes a string for POSIX sh. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The fail-closed shell command for one event. */
export function hookCommand(event: string, options: HookEntriesOptions): string {
  if (options.portable) return portableHookCommand(event);
  const bin = shellQuote(options.binPath);
  const node = shellQuote(options.nodePath);
  const missing = `factory guard is not reachable (${options.binPath} or ${options.nodePath} is missing); the call is blocked until it is: run factory doctor to see the fix`;
  return [
    `: ${factoryEntryMarker};`,
    `if [ ! -f ${bin} ] || [ ! -x ${node} ]; then echo ${shellQuote(missing)} >&2; exit 2; fi;`,
    `${node} ${bin} hook ${event} || exit 2`,
  ].join(' ');
}

/** The team-mode command: the same lookup as the committed git hooks, every failure exit 2. */
export function portableHookCommand(event: string): string {
  const missing =
    'factory guard is not reachable (no node_modules/.bin/factory in the project, no factory.bin in its git config, no factory on PATH); the call is blocked until it is: run npm install or factory init in this clone';
  const run = (command: string) => `${command} hook ${event} || exit 2; exit 0;`;
  return [
    `: ${factoryEntryMarker};`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'd="${CLAUDE_PROJECT_DIR:-.}";',
    `if [ -x "$d/node_modules/.bin/factory" ]; then ${run('"$d/node_modules/.bin/factory"')} fi;`,
    'n=$(git -C "$d" config --get factory.node); b=$(git -C "$d" config --get factory.bin);',
    `if [ -n "$b" ] && [ -f "$b" ] && [ -x "$n" ]; then ${run('"$n" "$b"')} fi;`,
    `if command -v factory >/dev/null 2>&1; then ${run('factory')} fi;`,
    `echo ${shellQuote(missing)} >&2; exit 2`,
  ].join(' ');
}

export function guardHookEntries(options: HookEntriesOptions): ClaudeHookEntries {
  const timeout = options.timeoutSeconds ?? 30;
  const entry = (event: string): HookCommandEntry => ({
    type: 'command',
    command: hookCommand(event, options),
    timeout,
    onFailure: 'block',
  });
  // No PostToolUse entry: `factory hook post-tool-use` answers (the router serves every event), but it has
  // nothing to add yet, and an entry would start a process after every tool call for nothing.
  return {
    PreToolUse: [{ matcher: guardMatcher, hooks: [entry('pre-tool-use')] }],
    SessionStart: [{ hooks: [entry('session-start')] }],
    UserPromptSubmit: [{ hooks: [entry('user-prompt-submit')] }],
    Stop: [{ hooks: [entry('stop')] }],
  };
}
