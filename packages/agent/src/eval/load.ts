import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { messages } from '../messages.js';
import type { LoadedScenario, Scenario } from './scenario.js';
import { scenarioSchema } from './scenario-schema.js';

let compiled: ReturnType<Ajv['compile']> | undefined;

function validator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addFormat('regex', (value: string) => {
      try {
        new RegExp(value);
        return true;
      } catch {
        return false;
      }
    });
    compiled = ajv.compile(scenarioSchema);
  }
  return compiled;
}

/** `/expect/0/toolCall/tool` → `expect[0].toolCall.tool`; the root is `(top level)`. */
export function displayPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '(top level)' : out;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** What the schema expected, in words, for one ajv error. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let value = root;
  for (const s of segments)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[s] : undefined;
  return value;
}

function expected(error: ErrorObject, root: unknown): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `expected ${String(p.type).replaceAll(',', ' or ')}, got ${typeName(valueAt(root, pointerSegments(error.instancePath)))}`;
    case 'required':
      return `expected a "${String(p.missingProperty)}" field`;
    case 'additionalProperties':
      return `unexpected field "${String(p.additionalProperty)}" (expected one of: ${Object.keys(allowedAt(error)).join(', ')})`;
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minProperties':
    case 'maxProperties':
      return error.schemaPath.includes('/expect/')
        ? `expected exactly one of: ${Object.keys(scenarioSchema.properties.expect.items.properties).join(', ')}`
        : `expected ${error.message ?? 'a different number of fields'}`;
    case 'pattern':
      return `expected text matching ${String(p.pattern)}`;
    case 'format':
      return `expected a valid ${String(p.format)}`;
    case 'minItems':
      return `expected at least ${String(p.limit)} item(s)`;
    case 'minLength':
      return 'expected a non-empty string';
    case 'dependencies':
      return `expected "${String(p.missingProperty)}" together with "${String(p.property)}"`;
    default:
      return `expected a value that ${error.message ?? 'matches the schema'}`;
  }
}

function allowedAt(error: ErrorObject): Record<string, unknown> {
  // parentSchema is only there with verbose: walk our own schema along the schema path instead.
  let node: unknown = scenarioSchema;
  for (const part of error.schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    if (node && typeof node === 'object') node = (node as Record<string, unknown>)[part];
  }
  const props = (node as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ?? {};
}

/** Keeps the errors that say most: the deepest ones, without the anyOf wrappers that repeat them. */
function pickErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const useful = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if');
  const depth = (e: ErrorObject) => pointerSegments(e.instancePath).length;
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of useful) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: ErrorObject[] = [];
  for (const [, list] of byPath) {
    // Inside an anyOf, a "type" error from one branch competes with a precise error from another: keep
    // the precise one unless only type errors exist.
    const precise = list.filter((e) => e.keyword !== 'type');
    const chosen = precise.length > 0 && precise.length < list.length ? precise : list;
    const types = chosen.filter((e) => e.keyword === 'type');
    if (types.length > 1) {
      const merged = types.map((e) => String((e.params as { type: string }).type)).join(' or ');
      out.push({ ...types[0]!, params: { type: merged } });
      out.push(...chosen.filter((e) => e.keyword !== 'type'));
    } else out.push(...chosen);
  }
  return out.sort((a, b) => depth(b) - depth(a));
}

function lineOf(
  doc: Document,
  counter: LineCounter,
  segments: readonly (string | number)[],
): number | undefined {
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && (isMap(node) || isSeq(node) || typeof node === 'object') && node.range) {
      return counter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

/** Parses and validates one scenario file; any problem is a FactoryError naming file, path and expectation. */
export function parseScenario(text: string, file: string): Scenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line ?? counter.linePos(first.pos[0]).line;
    throw new FactoryError(
      messages.scenarioYaml(file, line, first.message.split('\n')[0] ?? first.code),
      ExitCode.usage,
    );
  }
  const value = doc.toJS() as unknown;
  const validate = validator();
  if (!validate(value)) {
    const problems = pickErrors(validate.errors ?? []).slice(0, 3);
    const described = problems.map((error) => {
      const segments = pointerSegments(error.instancePath);
      const where = displayPath(segments);
      const line = lineOf(doc, counter, segments);
      return `at ${where}${line ? ` (line ${line})` : ''}: ${expected(error, value)}`;
    });
    throw new FactoryError(messages.scenarioInvalid(file, described), ExitCode.usage);
  }
  return value as unknown as Scenario;
}

export function loadScenarioFile(file: string): LoadedScenario {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FactoryError(messages.scenarioUnreadable(file, code), ExitCode.usage);
  }
  return { file: path, scenario: parseScenario(text, file) };
}
