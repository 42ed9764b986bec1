import type { ScriptedTurn } from './script.js';

/** One Anthropic Messages API response as content blocks, rendered as JSON or as the SSE stream. */
export interface ScriptedMessage {
  readonly id: string;
  readonly model: string;
  readonly content: ReadonlyArray<
    | { type: 'text'; text: string }
    | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  >;
  readonly stopReason: 'end_turn' | 'tool_use';
}

export function messageFromTurn(
  turn: ScriptedTurn,
  ids: { message: string; toolUse: () => string },
  model: string,
): ScriptedMessage {
  const content: Array<ScriptedMessage['content'][number]> = [];
  if (turn.text) content.push({ type: 'text', text: turn.text });
  for (const call of turn.toolCalls ?? []) {
    content.push({ type: 'tool_use', id: ids.toolUse(), name: call.name, input: call.input });
  }
  if (content.length === 0) content.push({ type: 'text', text: 'Done.' });
  const stopReason = (turn.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn';
  return { id: ids.message, model, content, stopReason };
}

const usage = {
  input_tokens: 12,
  output_tokens: 8,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

/** The non-streaming JSON body. */
export function messageJson(message: ScriptedMessage): Record<string, unknown> {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.content,
    stop_reason: message.stopReason,
    stop_sequence: null,
    usage,
  };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The streaming body: message_start, one start/delta/stop per block, message_delta, message_stop. */
export function messageEvents(message: ScriptedMessage): string[] {
  const events = [
    event('message_start', {
      type: 'message_start',
      message: {
        ...messageJson(message),
        content: [],
        stop_reason: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        }),
      );
      events.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: block.text },
        }),
      );
    } else {
      events.push(
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      events.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        }),
      );
    }
    events.push(event('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
  );
  events.push(event('message_stop', { type: 'message_stop' }));
  return events;
}
