import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { defaultWorkflows } from './defaults.js';
import type { ResolvedTransition, StatePhase, WorkflowDefinition } from './types.js';

/**
 * A workflow definition checked for consistency and indexed for the hot path: resolving an event in a
 * state is one map lookup, because every move of every task goes through it.
 */
export class Workflow {
  readonly definition: WorkflowDefinition;
  private readonly byState = new Map<string, Map<string, ResolvedTransition>>();
  private readonly phases = new Map<string, StatePhase>();

  constructor(definition: WorkflowDefinition, where = `workflows.${definition.name}`) {
    this.definition = definition;
    const problems = checkDefinition(definition, where);
    if (problems.length > 0) throw new FactoryError(messages.workflowInvalid(problems), ExitCode.usage);
    for (const state of definition.states) {
      this.byState.set(state, new Map());
      this.phases.set(state, 'active');
    }
    for (const state of definition.handoff ?? []) this.phases.set(state, 'handoff');
    for (const state of definition.terminal) this.phases.set(state, 'terminal');
    for (const t of definition.transitions) {
      for (const from of expandFrom(definition, t.from)) {
        const resolved: ResolvedTransition = {
          event: t.event,
          from,
          to: t.to,
          ...(t.guard ? { guard: t.guard } : {}),
        };
        this.byState.get(from)!.set(t.event, resolved);
      }
    }
  }

  get name(): string {
    return this.definition.name;
  }

  get initial(): string {
    return this.definition.initial;
  }

  get failState(): string {
    return this.definition.failState;
  }

  hasState(state: string): boolean {
    return this.phases.has(state);
  }

  phase(state: string): StatePhase {
    const phase = this.phases.get(state);
    if (!phase) throw new FactoryError(messages.workflowUnknownState(this.name, state), ExitCode.usage);
    return phase;
  }

  /** The transition `event` fires from `state`, or undefined when the workflow does not allow it. */
  transition(state: string, event: string): ResolvedTransition | undefined {
    return this.byState.get(state)?.get(event);
  }

  /** The events allowed in `state`, in definition order. */
  allowedEvents(state: string): string[] {
    return [...(this.byState.get(state)?.keys() ?? [])];
  }

  /** Every transition with `from` resolved, in definition order. */
  transitions(): ResolvedTransition[] {
    const all: ResolvedTransition[] = [];
    for (const t of this.definition.transitions) {
      for (const from of expandFrom(this.definition, t.from)) {
        all.push({ event: t.event, from, to: t.to, ...(t.guard ? { guard: t.guard } : {}) });
      }
    }
    return all;
  }
}

function expandFrom(definition: WorkflowDefinition, from: string | readonly string[]): string[] {
  const list = typeof from === 'string' ? [from] : [...from];
  if (list.includes('*')) return definition.states.filter((s) => !definition.terminal.includes(s));
  return list;
}

/** The consistency rules a JSON schema cannot express; each problem names its path. */
export function checkDefinition(d: WorkflowDefinition, where: string): string[] {
  const problems: string[] = [];
  const states = new Set<string>();
  d.states.forEach((state, i) => {
    if (states.has(state)) problems.push(`${where}.states[${i}]: "${state}" is listed twice`);
    states.add(state);
  });
  const known = (state: string, path: string) => {
    if (!states.has(state))
      problems.push(`${path}: "${state}" is not one of the states (${[...states].join(', ')})`);
  };
  known(d.initial, `${where}.initial`);
  known(d.failState, `${where}.failState`);
  d.terminal.forEach((s, i) => {
    known(s, `${where}.terminal[${i}]`);
  });
  (d.handoff ?? []).forEach((s, i) => {
    known(s, `${where}.handoff[${i}]`);
    if (d.terminal.includes(s))
      problems.push(`${where}.handoff[${i}]: "${s}" is terminal; a state is one or the other`);
  });
  if (d.terminal.includes(d.initial))
    problems.push(`${where}.initial: "${d.initial}" is terminal; a task must start open`);
  const seen = new Map<string, number>();
  d.transitions.forEach((t, i) => {
    const path = `${where}.transitions[${i}]`;
    known(t.to, `${path}.to`);
    const froms = typeof t.from === 'string' ? [t.from] : [...t.from];
    froms.forEach((from, j) => {
      if (from === '*') return;
      const fromPath = typeof t.from === 'string' ? `${path}.from` : `${path}.from[${j}]`;
      known(from, fromPath);
      if (d.terminal.includes(from))
        problems.push(`${fromPath}: "${from}" is terminal; nothing may leave it`);
    });
    for (const from of expandFrom(d, t.from)) {
      const key = `${from}\u0000${t.event}`;
      const first = seen.get(key);
      if (first !== undefined && first !== i) {
        problems.push(
          `${path}: event "${t.event}" from "${from}" is already defined by transitions[${first}]`,
        );
      }
      seen.set(key, i);
    }
  });
  return problems;
}

/** The workflows a repository knows: the defaults, then its configured ones (same name replaces). */
export class WorkflowSet {
  private readonly byName = new Map<string, Workflow>();

  constructor(workflows: readonly Workflow[]) {
    for (const w of workflows) this.byName.set(w.name, w);
  }

  static defaults(): WorkflowSet {
    return new WorkflowSet(defaultWorkflows.map((d) => new Workflow(d)));
  }

  /** The defaults plus the given definitions; a definition named like a default replaces it. */
  static withDefinitions(definitions: readonly WorkflowDefinition[]): WorkflowSet {
    const set = WorkflowSet.defaults();
    for (const d of definitions) set.byName.set(d.name, new Workflow(d));
    return set;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): Workflow[] {
    return [...this.byName.values()];
  }

  find(name: string): Workflow | undefined {
    return this.byName.get(name);
  }

  /** The named workflow; an unknown name is a usage error that lists the known ones. */
  get(name: string): Workflow {
    const workflow = this.byName.get(name);
    if (!workflow) throw new FactoryError(messages.workflowUnknown(name, this.names()), ExitCode.usage);
    return workflow;
  }
}
