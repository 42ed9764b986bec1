import type { Workflow } from './workflow.js';

/** Mermaid state ids may not contain dashes; labels keep the real names. */
function id(state: string): string {
  return state.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A mermaid `stateDiagram-v2` of the workflow: initial and terminal states, every transition labelled. */
export function workflowToMermaid(workflow: Workflow): string {
  const d = workflow.definition;
  const lines = ['stateDiagram-v2'];
  for (const state of d.states) {
    if (id(state) !== state) lines.push(`  state "${state}" as ${id(state)}`);
  }
  lines.push(`  [*] --> ${id(d.initial)}`);
  for (const t of workflow.transitions()) {
    const label = t.guard ? `${t.event} [${t.guard}]` : t.event;
    lines.push(`  ${id(t.from)} --> ${id(t.to)}: ${label}`);
  }
  for (const state of d.terminal) lines.push(`  ${id(state)} --> [*]`);
  return `${lines.join('\n')}\n`;
}
