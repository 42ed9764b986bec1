import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../config/schema/workflows.schema.json' with { type: 'json' };
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import type { WorkflowDefinition } from './types.js';
import { checkDefinition, WorkflowSet } from './workflow.js';

// Compiled on first use only: this module is on the `factory task` path, never on a hook's start-up path.
let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  validate ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  return validate;
}

/** `/ticket/transitions/0/to` under `workflows` -> `workflows.ticket.transitions[0].to`. */
function dottedPath(root: string, pointer: string): string {
  let path = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return path;
}

function describe(error: ErrorObject, root: string): string {
  const path = dottedPath(root, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}: unknown property "${String(params.additionalProperty)}" (expected only the documented properties)`;
    case 'required':
      return `${path}: missing property "${String(params.missingProperty)}"`;
    case 'propertyNames':
      return `${path}: workflow name "${String(params.propertyName)}" is not allowed (expected lower-case letters, digits and dashes)`;
    default: {
      const says = error.message ?? 'must match the schema';
      return `${path}: expected ${says.startsWith('must be ') ? says.slice('must be '.length) : `a value that ${says}`}`;
    }
  }
}

/**
 * The custom workflows of a config's `workflows` section, validated against the section's JSON schema
 * (structure) and then against the consistency rules (states that exist, nothing leaving a terminal state).
 * Every problem names its path; all of them are reported at once.
 */
export function workflowDefinitionsFromConfig(
  section: unknown,
  root = 'workflows',
  source?: string,
): WorkflowDefinition[] {
  if (section === undefined || section === null) return [];
  const check = validator();
  if (!check(section)) {
    const problems = (check.errors ?? [])
      .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
      .map((e) => describe(e, root));
    throw new FactoryError(messages.workflowInvalid([...new Set(problems)], source), ExitCode.usage);
  }
  const definitions: WorkflowDefinition[] = [];
  const problems: string[] = [];
  for (const [name, body] of Object.entries(section as Record<string, Omit<WorkflowDefinition, 'name'>>)) {
    const definition: WorkflowDefinition = { name, ...body };
    const found = checkDefinition(definition, `${root}.${name}`);
    if (found.length > 0) problems.push(...found);
    else definitions.push(definition);
  }
  if (problems.length > 0) throw new FactoryError(messages.workflowInvalid(problems, source), ExitCode.usage);
  return definitions;
}

/** The default workflows plus those of the config's `workflows` section. */
export function workflowSetFromConfig(section: unknown, root = 'workflows', source?: string): WorkflowSet {
  return WorkflowSet.withDefinitions(workflowDefinitionsFromConfig(section, root, source));
}
