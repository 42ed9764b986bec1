/**
 * Whether a command runs inside a coding agent's session rather than a human's terminal: the variables the
 * agents set for the commands they run (Claude Code sets `CLAUDECODE=1` for its Bash tool and its hooks;
 * Codex, Gemini CLI, Copilot CLI and Cursor's agent set their own). `factory init` asks this before it
 * records control files that differ from the record: only a human may say that such a change is good.
 */
const AGENT_MARKERS = [
  'CLAUDECODE',
  'CODEX_SANDBOX',
  'CODEX_THREAD_ID',
  'GEMINI_CLI',
  'COPILOT_CLI',
  'CURSOR_AGENT',
] as const;

/** The first agent marker set (non-empty) in `env`, or undefined for a human's terminal. */
export function agentSessionMarker(env: NodeJS.ProcessEnv): string | undefined {
  return AGENT_MARKERS.find((name) => (env[name] ?? '') !== '');
}

/** Every marker, for tests and for the environment of commands that must look like a human's terminal. */
export const agentSessionMarkers: readonly string[] = AGENT_MARKERS;
