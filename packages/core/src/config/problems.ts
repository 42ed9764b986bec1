import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findShipped } from './locate.js';

/**
 * What the validator that the build precompiled from the schema fragments (ajv standalone code) reports,
 * in words: the path inside the config and what was expected, one sentence.
 */
export interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

/** The composed schema shipped with factory (for editors, and for the `$schema` of written configs). */
export function configSchemaPath(): string {
  return (
    findShipped(['schema/factory.schema.json', 'packages/core/schema/factory.schema.json']) ??
    fileURLToPath(new URL('../../schema/factory.schema.json', import.meta.url))
  );
}

/** The first problem a precompiled validator found in `data` (filling in defaults), or undefined. */
export function firstProblem(
  check: CompiledValidator,
  data: unknown,
): { path: string; expected: string } | undefined {
  if (check(data)) return undefined;
  const error = check.errors?.[0];
  if (!error) return { path: '(top level)', expected: 'is not valid' };
  return { path: displayPath(error.instancePath), expected: describe(error) };
}

/** `/gates/preCommit/tasks` -> `gates.preCommit.tasks`; the top level is `(top level)`. */
export function displayPath(instancePath: string): string {
  if (instancePath === '') return '(top level)';
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part, index) => (/^\d+$/.test(part) ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join('')
    .replaceAll('.[', '[');
}

function describe(error: AjvError): string {
  const p = error.params;
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = allowedKeys(error.instancePath);
      const list = allowed.length > 0 ? ` (expected one of: ${allowed.join(', ')})` : '';
      return `has an unknown key "${String(p.additionalProperty)}"${list}`;
    }
    case 'type':
      return `must be ${String(p.type).replaceAll(',', ' or ')}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `needs the key "${String(p.missingProperty)}"`;
    default:
      return error.message ?? `fails the schema rule "${error.keyword}"`;
  }
}

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
}

/** The keys the schema allows at a path: read from the shipped schema, only when reporting an error. */
function allowedKeys(instancePath: string): string[] {
  let node: SchemaNode | undefined;
  try {
    node = JSON.parse(readFileSync(configSchemaPath(), 'utf8')) as SchemaNode;
  } catch {
    return [];
  }
  const parts = instancePath === '' ? [] : instancePath.slice(1).split('/');
  for (const part of parts) {
    if (!node) return [];
    if (/^\d+$/.test(part) && node.items) node = node.items;
    else if (node.properties?.[part]) node = node.properties[part];
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return [];
  }
  return Object.keys(node?.properties ?? {});
}
