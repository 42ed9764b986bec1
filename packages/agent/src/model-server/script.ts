/**
 * A model script: what the scripted model server answers, turn by turn, in place of a real model.
 * Each main-loop request (one that offers tools) gets the next turn; when the script is played out the
 * server ends the conversation with a short text. Requests without tools (titles, side queries) get a
 * short text and do not consume a turn.
 */
export interface ScriptedToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export interface ScriptedTurn {
  /** Text the assistant says before its tool calls, if any. */
  readonly text?: string;
  /** Tool calls of this turn; none means the assistant ends its turn with `text`. */
  readonly toolCalls?: readonly ScriptedToolCall[];
}

export interface ModelScript {
  readonly turns: readonly ScriptedTurn[];
  /** What the assistant says once the script is played out. */
  readonly finalText?: string;
}

/** One request the server saw, for assertions (e.g. that memory reached the model's context). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The request body as text: the simplest thing to search for context the hooks added. */
  readonly raw: string;
  /** Index of the scripted turn it was answered with, or undefined for side requests. */
  readonly turn: number | undefined;
}
