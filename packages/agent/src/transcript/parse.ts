import type { ParsedSession, SessionResult, ToolCall } from './session.js';

/**
 * Parses a recorded Claude Code session: stream-json (`claude -p --output-format stream-json --verbose`)
 * or a transcript JSONL. Both formats are internal to Claude Code and change between versions, so the
 * parser is defensive: it looks for the shapes it knows (message.content blocks of type tool_use,
 * tool_result and text; a result line; an init line) wherever they are, counts the lines it does not
 * know, and never fails on a line it cannot read.
 */
export function parseSession(text: string): ParsedSession {
  const state = new SessionBuilder();
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    state.lineCount++;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch {
      state.malformedLines++;
      continue;
    }
    if (!isRecord(line)) {
      state.malformedLines++;
      continue;
    }
    state.add(line);
  }
  return state.build();
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A tool_result's content: a string, or blocks whose text parts are joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => (isRecord(block) ? (str(block.text) ?? str(block.content) ?? '') : String(block)))
      .filter((part) => part !== '')
      .join('\n');
  }
  if (content === undefined || content === null) return '';
  return JSON.stringify(content);
}

// A hook's refusal as the model receives it (2.1.x): "PreToolUse:Bash hook error: <reason>".
const hookRefusal = /^\s*PreToolUse:[^\s]* hook (?:error|blocked|denied)[^:]*:\s*/i;
// Claude Code's own permission refusals, whatever the hooks said.
const claudeCodeRefusal = /^\s*(?:Error:\s*)?Claude requested permissions?\b/i;

interface MetaDecision {
  readonly source?: string;
  readonly kind?: string;
  readonly reason: string;
}

const streamTypes = new Set(['system', 'assistant', 'user', 'result', 'stream_event']);
const transcriptTypes = new Set([
  'summary',
  'file-history-snapshot',
  'attachment',
  'progress',
  'queue-operation',
]);

class SessionBuilder {
  lineCount = 0;
  malformedLines = 0;
  unknownLines = 0;
  private toolCalls: ToolCall[] = [];
  private byId = new Map<string, ToolCall>();
  private assistantTexts: string[] = [];
  private assistantMessages = new Set<string>();
  private anonymousAssistantTurns = 0;
  private result: SessionResult | undefined;
  private denials = new Map<string, string>();
  private metaRefusals = new Map<string, MetaDecision>();
  private sawStreamMarkers = false;
  private sawTranscriptMarkers = false;
  private claudeCodeVersion: string | undefined;
  private model: string | undefined;
  private cwd: string | undefined;
  private sessionId: string | undefined;

  add(line: Json): void {
    const type = str(line.type);
    // Transcript lines carry uuid / parentUuid; stream-json lines carry session_id.
    if (typeof line.uuid === 'string' && 'parentUuid' in line) this.sawTranscriptMarkers = true;
    if (typeof line.session_id === 'string') this.sawStreamMarkers = true;
    this.sessionId ??= str(line.session_id) ?? str(line.sessionId);
    this.claudeCodeVersion ??= str(line.claude_code_version) ?? str(line.version);
    this.cwd ??= str(line.cwd);

    if (type === 'system' && line.subtype === 'init') {
      this.sawStreamMarkers = true;
      this.model ??= str(line.model);
      return;
    }
    if (type === 'result') {
      this.addResult(line);
      return;
    }
    const message = isRecord(line.message) ? line.message : undefined;
    if ((type === 'assistant' || type === 'user') && message) {
      this.addMessage(type, message, line);
      return;
    }
    if (type !== undefined && (streamTypes.has(type) || transcriptTypes.has(type))) return;
    this.unknownLines++;
  }

  private addMessage(type: 'assistant' | 'user', message: Json, line: Json): void {
    const content = message.content;
    if (type === 'assistant') {
      this.model ??= str(message.model);
      const messageId = str(message.id);
      if (messageId) this.assistantMessages.add(messageId);
      else this.anonymousAssistantTurns++;
    }
    if (typeof content === 'string') {
      if (type === 'assistant' && content.trim() !== '') this.assistantTexts.push(content);
      return;
    }
    if (!Array.isArray(content)) return;
    for (const block of content) {
      if (!isRecord(block)) continue;
      if (type === 'assistant' && block.type === 'tool_use') this.addToolUse(block);
      else if (type === 'assistant' && block.type === 'text') {
        const text = str(block.text);
        if (text && text.trim() !== '') this.assistantTexts.push(text);
      } else if (block.type === 'tool_result') this.addToolResult(block);
    }
    // stream-json 2.1.x adds per-result permission metadata next to the message.
    for (const holder of [line, message]) {
      const meta = holder.tool_result_meta;
      if (!Array.isArray(meta)) continue;
      for (const entry of meta) this.addMeta(entry);
    }
  }

  private addToolUse(block: Json): void {
    const id = str(block.id) ?? `anonymous-${this.toolCalls.length}`;
    // A transcript may repeat a block (one line per content block, replays after resume): keep the first.
    if (this.byId.has(id)) return;
    const call: ToolCall = {
      index: this.toolCalls.length,
      id,
      name: str(block.name) ?? '(unknown)',
      input: isRecord(block.input) ? block.input : {},
    };
    this.toolCalls.push(call);
    this.byId.set(id, call);
  }

  private addToolResult(block: Json): void {
    const id = str(block.tool_use_id);
    const call = id ? this.byId.get(id) : undefined;
    if (!call || call.result) return;
    const content = contentText(block.content);
    const isError = block.is_error === true;
    call.result = { isError, content };
    if (isError && hookRefusal.test(content)) {
      call.refusal ??= { source: 'hook', byHook: true, reason: content.replace(hookRefusal, '').trim() };
    }
  }

  private addMeta(entry: unknown): void {
    if (!isRecord(entry)) return;
    // 2.1.330 writes {id, non_execution_kind, permission_decision: {decision: accept|reject, source}}.
    const id = str(entry.id) ?? str(entry.tool_use_id);
    const decision = isRecord(entry.permission_decision) ? entry.permission_decision : undefined;
    if (!id || !decision) return;
    const verdict = str(decision.decision) ?? str(decision.behavior) ?? str(decision.permissionDecision);
    if (verdict !== undefined && /^(accept|allow|approve)/i.test(verdict)) return;
    const source =
      str(decision.source) ?? (isRecord(decision.source) ? str(decision.source.type) : undefined);
    const kind = str(entry.non_execution_kind);
    const reason = str(decision.reason) ?? str(decision.message) ?? '';
    this.metaRefusals.set(id, {
      ...(source ? { source } : {}),
      ...(kind ? { kind } : {}),
      reason,
    });
  }

  private addResult(line: Json): void {
    this.sawStreamMarkers = true;
    const subtype = str(line.subtype);
    const numTurns = num(line.num_turns);
    const costUsd = num(line.total_cost_usd) ?? num(line.cost_usd);
    const text = str(line.result);
    this.result = {
      isError: line.is_error === true,
      ...(subtype !== undefined ? { subtype } : {}),
      ...(numTurns !== undefined ? { numTurns } : {}),
      ...(costUsd !== undefined ? { costUsd } : {}),
      ...(text !== undefined ? { text } : {}),
    };
    const denials = line.permission_denials;
    if (!Array.isArray(denials)) return;
    for (const denial of denials) {
      if (!isRecord(denial)) continue;
      const id = str(denial.tool_use_id);
      if (id) this.denials.set(id, str(denial.reason) ?? '');
    }
  }

  build(): ParsedSession {
    for (const call of this.toolCalls) {
      const meta = this.metaRefusals.get(call.id);
      const denied = this.denials.has(call.id);
      if (!meta && !denied) continue;
      const reason =
        call.refusal?.reason || meta?.reason || this.denials.get(call.id) || call.result?.content || '';
      const source = meta?.source ?? call.refusal?.source;
      const fromClaudeCode = claudeCodeRefusal.test(call.result?.content ?? reason);
      const byHook = call.refusal?.byHook === true || source === 'hook' || !fromClaudeCode;
      call.refusal = {
        ...(source ? { source } : {}),
        ...(meta?.kind ? { kind: meta.kind } : {}),
        byHook,
        reason,
      };
    }
    const format = this.sawStreamMarkers
      ? 'stream-json'
      : this.sawTranscriptMarkers
        ? 'transcript'
        : 'unknown';
    const turns = this.result?.numTurns ?? this.assistantMessages.size + this.anonymousAssistantTurns;
    return {
      format,
      toolCalls: this.toolCalls,
      assistantTexts: this.assistantTexts,
      turns,
      unknownLines: this.unknownLines,
      malformedLines: this.malformedLines,
      lineCount: this.lineCount,
      ...(this.result ? { result: this.result } : {}),
      ...(this.claudeCodeVersion ? { claudeCodeVersion: this.claudeCodeVersion } : {}),
      ...(this.model ? { model: this.model } : {}),
      ...(this.cwd ? { cwd: this.cwd } : {}),
      ...(this.sessionId ? { sessionId: this.sessionId } : {}),
    };
  }
}
