import type { ToolCall } from '@factory/agent/transcript/session';

/**
 * Claude Code runs each Bash call in its sandbox (bubblewrap on Linux, Seatbelt's sandbox-exec on macOS).
 * When the sandbox itself cannot start, the command never runs and the tool result is the sandbox's own
 * complaint, first thing after the exit code: `Exit code 1\nbwrap: Can't get type of source ...` (a path
 * it was told to bind vanished under it). The model may go on as if the command had run: a spanning task's
 * session then says it is done in every repository while one of them got nothing.
 */
export function sandboxStartFailure(toolCalls: readonly ToolCall[]): string | undefined {
  for (const call of toolCalls) {
    if (call.name !== 'Bash' || !call.result?.isError) continue;
    const text = call.result.content.trimStart().replace(/^Exit code \d+\n/, '');
    const line = text.split('\n', 1)[0]!.trim();
    if (/^(bwrap|sandbox-exec): /.test(line)) return line.slice(0, 200);
  }
  return undefined;
}
