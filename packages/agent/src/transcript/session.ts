/**
 * A Claude Code session reduced to what evals look at: the tool calls in order, what came back for each,
 * the refusals, and the final result. Both inputs (stream-json from `claude -p --output-format stream-json
 * --verbose`, and the transcript JSONL under ~/.claude/projects/) reduce to this shape.
 */
export interface ToolResultInfo {
  readonly isError: boolean;
  /** The result's text (content blocks joined). */
  readonly content: string;
}

export interface Refusal {
  /** Who refused, as Claude Code reports it: 'hook' (a PreToolUse hook), 'config' (its permission rules). */
  readonly source?: string;
  /** Claude Code's kind of non-execution, e.g. 'permission-rule', 'user-rejected'. */
  readonly kind?: string;
  /**
   * The refusal came from a hook: a hook's deny, or a hook's "ask" that nobody could confirm in print mode
   * (Claude Code reports that as source 'config', 'user-rejected', with the hook's reason as the result).
   * False for Claude Code's own refusals ("Claude requested permissions to ...").
   */
  readonly byHook: boolean;
  readonly reason: string;
}

export interface ToolCall {
  /** 0-based position among the session's tool calls. */
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
  result?: ToolResultInfo;
  refusal?: Refusal;
}

export interface SessionResult {
  readonly subtype?: string;
  readonly isError: boolean;
  readonly numTurns?: number;
  readonly costUsd?: number;
  readonly text?: string;
}

export interface ParsedSession {
  readonly format: 'stream-json' | 'transcript' | 'unknown';
  readonly toolCalls: ToolCall[];
  readonly assistantTexts: string[];
  /** Assistant turns seen (distinct assistant messages); the final result's num_turns when present. */
  readonly turns: number;
  readonly result?: SessionResult;
  readonly claudeCodeVersion?: string;
  readonly model?: string;
  readonly cwd?: string;
  readonly sessionId?: string;
  /** Lines of a type this parser does not know: tolerated and counted, never fatal. */
  readonly unknownLines: number;
  /** Lines that are not JSON objects at all (e.g. a truncated last line). */
  readonly malformedLines: number;
  readonly lineCount: number;
}
