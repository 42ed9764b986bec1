import type { HookEventArg } from './events.js';

/** What a hook invocation answers: Claude Code reads stdout (JSON), stderr and the exit code. */
export interface HookAnswer {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface HookContext {
  /** The folder factory was started in (Claude Code starts hooks in the project folder). */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The process ends with process.exit() after this answer (the fast path): state.db may stay open. */
  readonly exitsAfterAnswer?: boolean;
}

/** The parsed hook JSON: the fields every event carries, plus the event's own (see claude-code-hooks.md). */
export interface HookInput {
  readonly session_id?: string;
  readonly transcript_path?: string;
  readonly cwd?: string;
  readonly permission_mode?: string;
  readonly hook_event_name?: string;
  readonly [field: string]: unknown;
}

/** One event's handler module: `hook/handlers/<event>.ts` exports `handle`. */
export type HookHandler = (
  input: HookInput,
  context: HookContext,
  event: HookEventArg,
) => Promise<HookAnswer>;

/** No opinion: exit 0 with nothing on stdout lets Claude Code go on as it would without the hook. */
export const noOpinion: HookAnswer = { stdout: '', stderr: '', exitCode: 0 };
