import type { ParsedSession, ToolCall } from '../transcript/session.js';
import type { Expectation, ToolCallMatcher, ValueMatcher } from './scenario.js';

/** The verdict on one expectation: passed, failed with a reason, or not checkable in this lane. */
export interface ExpectationVerdict {
  readonly expectation: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly detail?: string;
}

/** Reads a dotted path ("edits.0.new_string") from a tool input. */
function fieldAt(input: Record<string, unknown>, path: string): unknown {
  let value: unknown = input;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

export function matchValue(matcher: ValueMatcher, value: unknown): boolean {
  if (typeof matcher !== 'object' || matcher === null) return value === matcher;
  if ('absent' in matcher) return value === undefined;
  if (value === undefined) return false;
  if ('equals' in matcher) return JSON.stringify(value) === JSON.stringify(matcher.equals);
  if ('contains' in matcher) return asText(value).includes(matcher.contains);
  if ('regex' in matcher) return new RegExp(matcher.regex, matcher.flags ?? '').test(asText(value));
  return false;
}

export function matchToolCall(matcher: ToolCallMatcher, call: ToolCall): boolean {
  if (matcher.tool !== undefined) {
    const ok =
      typeof matcher.tool === 'string'
        ? call.name === matcher.tool
        : new RegExp(matcher.tool.regex).test(call.name);
    if (!ok) return false;
  }
  for (const [path, valueMatcher] of Object.entries(matcher.input ?? {})) {
    if (!matchValue(valueMatcher, fieldAt(call.input, path))) return false;
  }
  return true;
}

export function describeMatcher(matcher: ToolCallMatcher): string {
  const tool =
    matcher.tool === undefined
      ? 'any tool'
      : typeof matcher.tool === 'string'
        ? matcher.tool
        : `/${matcher.tool.regex}/`;
  const fields = Object.entries(matcher.input ?? {}).map(([k, v]) => `${k} ${describeValue(v)}`);
  return fields.length > 0 ? `${tool} with ${fields.join(', ')}` : tool;
}

function describeValue(matcher: ValueMatcher): string {
  if (typeof matcher !== 'object' || matcher === null) return `= ${JSON.stringify(matcher)}`;
  if ('absent' in matcher) return 'absent';
  if ('equals' in matcher) return `= ${JSON.stringify(matcher.equals)}`;
  if ('contains' in matcher) return `contains ${JSON.stringify(matcher.contains)}`;
  return `~ /${matcher.regex}/${matcher.flags ?? ''}`;
}

function summarize(call: ToolCall): string {
  const input = JSON.stringify(call.input);
  return `#${call.index + 1} ${call.name} ${input.length > 120 ? `${input.slice(0, 117)}...` : input}`;
}

/** Does the refusal name this rule? Rule ids are matched as whole tokens in the reason. */
export function refusalNamesRule(reason: string, rule: string): boolean {
  const escaped = rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_-])${escaped}($|[^A-Za-z0-9_-])`).test(reason);
}

export type ShellCheckRunner = (command: string) => { exitCode: number; output: string } | undefined;

/**
 * Checks every expectation of a scenario against a parsed session. `shell` runs the final shell checks
 * in the workspace; without it (the recorded lane has no workspace) they are reported as skipped.
 */
export function checkExpectations(
  expectations: readonly Expectation[],
  session: ParsedSession,
  shell?: ShellCheckRunner,
  modelRequests?: readonly string[],
): ExpectationVerdict[] {
  return expectations.map((expectation) => checkOne(expectation, session, shell, modelRequests));
}

function verdict(expectation: string, ok: boolean, detail?: string): ExpectationVerdict {
  return ok
    ? { expectation, status: 'passed' }
    : { expectation, status: 'failed', ...(detail ? { detail } : {}) };
}

function checkOne(
  e: Expectation,
  session: ParsedSession,
  shell?: ShellCheckRunner,
  modelRequests?: readonly string[],
): ExpectationVerdict {
  if ('modelSaw' in e) {
    const label = `the model saw ${JSON.stringify(e.modelSaw)}`;
    if (!modelRequests)
      return { expectation: label, status: 'skipped', detail: 'only the scripted lane sees the requests' };
    // Requests are JSON: the text may appear escaped inside them, so look for both forms.
    const escaped = JSON.stringify(e.modelSaw).slice(1, -1);
    const seen = modelRequests.some((r) => r.includes(e.modelSaw) || r.includes(escaped));
    return verdict(
      label,
      seen,
      `not in any of the ${modelRequests.length} request(s) the model server received`,
    );
  }
  const calls = session.toolCalls;
  if ('toolCall' in e) {
    const { times, ...matcher } = e.toolCall;
    const label = `tool call: ${describeMatcher(matcher)}`;
    const n = calls.filter((c) => matchToolCall(matcher, c)).length;
    const min = times?.min ?? 1;
    const max = times?.max ?? Number.POSITIVE_INFINITY;
    const seen = calls.map(summarize).slice(0, 8).join('; ') || 'no tool calls';
    return verdict(
      label,
      n >= min && n <= max,
      `matched ${n} call(s), expected ${min}..${max === Number.POSITIVE_INFINITY ? 'any' : max}; seen: ${seen}`,
    );
  }
  if ('noToolCall' in e) {
    const label = `no tool call: ${describeMatcher(e.noToolCall)}`;
    const hit = calls.find((c) => matchToolCall(e.noToolCall, c));
    return verdict(label, !hit, hit ? `found ${summarize(hit)}` : undefined);
  }
  if ('order' in e) {
    const label = `order: ${e.order.map(describeMatcher).join(' before ')}`;
    let from = 0;
    for (const step of e.order) {
      const found = calls.findIndex((c, i) => i >= from && matchToolCall(step, c));
      if (found < 0) return verdict(label, false, `no ${describeMatcher(step)} after call #${from}`);
      from = found + 1;
    }
    return verdict(label, true);
  }
  if ('noRefusals' in e) {
    const refused = calls.filter((c) => c.refusal);
    return verdict(
      'no refusals',
      refused.length === 0,
      refused
        .map(
          (c) =>
            `${summarize(c)} refused ${c.refusal?.byHook ? 'by a hook' : 'by Claude Code'}: ${c.refusal?.reason}`,
        )
        .join('; '),
    );
  }
  if ('refusedBy' in e) {
    const spec = typeof e.refusedBy === 'string' ? { rule: e.refusedBy } : e.refusedBy;
    const label = `refused by rule ${spec.rule}${spec.tool ? ` (${describeMatcher(spec.tool)})` : ''}`;
    const refused = calls.filter((c) => c.refusal && (!spec.tool || matchToolCall(spec.tool, c)));
    // Claude Code refuses some calls by itself ("Claude requested permissions ..."): only a hook's
    // refusal is the guard's.
    const byRule = refused.filter((c) => c.refusal?.byHook && refusalNamesRule(c.refusal.reason, spec.rule));
    const detail =
      refused.length === 0
        ? 'no call was refused'
        : `refusals seen: ${refused.map((c) => `[${c.refusal?.byHook ? 'hook' : 'Claude Code'}] ${c.refusal?.reason}`).join('; ')}`;
    return verdict(label, byRule.length > 0, detail);
  }
  if ('shell' in e) {
    const spec = typeof e.shell === 'string' ? { run: e.shell } : e.shell;
    const label = `shell: ${spec.run}`;
    if (!shell) return { expectation: label, status: 'skipped', detail: 'no workspace in this lane' };
    const outcome = shell(spec.run);
    if (!outcome) return { expectation: label, status: 'skipped', detail: 'no workspace in this lane' };
    const want = spec.exitCode ?? 0;
    // The last lines of the output, on one line: enough to see why, short enough for a table.
    const tail = outcome.output
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-3)
      .join(' | ');
    return verdict(
      label,
      outcome.exitCode === want,
      `exit ${outcome.exitCode}, expected ${want}${tail ? `: ${tail.slice(-300)}` : ''}`,
    );
  }
  if ('maxTurns' in e) {
    return verdict(`at most ${e.maxTurns} turns`, session.turns <= e.maxTurns, `took ${session.turns} turns`);
  }
  // finalText
  const last = session.result?.text ?? session.assistantTexts.at(-1);
  return verdict(
    `final text ${describeValue(e.finalText)}`,
    matchValue(e.finalText, last),
    `final text: ${JSON.stringify(last ?? null)}`,
  );
}
