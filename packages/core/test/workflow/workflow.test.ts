import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactoryError } from '../../src/errors.js';
import { workflowDefinitionsFromConfig, workflowSetFromConfig } from '../../src/workflow/config.js';
import { pullRequestWorkflow, ticketWorkflow } from '../../src/workflow/defaults.js';
import { workflowToMermaid } from '../../src/workflow/mermaid.js';
import { Workflow, WorkflowSet } from '../../src/workflow/workflow.js';

const review = {
  states: ['todo', 'doing', 'done'],
  initial: 'todo',
  terminal: ['done'],
  failState: 'todo',
  transitions: [
    { event: 'start', from: 'todo', to: 'doing' },
    { event: 'finish', from: 'doing', to: 'done', guard: 'gates-passed' },
  ],
};

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FactoryError, `expected a FactoryError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('default workflows', () => {
  it('ticket has the states the issue asks for, with blocked and abandoned', () => {
    for (const state of [
      'new',
      'planned',
      'coding',
      'testing',
      'reviewing',
      'merging',
      'merged',
      'done',
      'blocked',
      'abandoned',
    ]) {
      assert.ok(ticketWorkflow.states.includes(state), state);
    }
    const ticket = new Workflow(ticketWorkflow);
    assert.equal(ticket.phase('done'), 'terminal');
    assert.equal(ticket.phase('reviewing'), 'handoff');
    assert.equal(ticket.phase('coding'), 'active');
    assert.deepEqual(ticket.allowedEvents('done'), []);
    assert.equal(ticket.transition('coding', 'test')?.to, 'testing');
    assert.equal(ticket.transition('coding', 'merge'), undefined);
    // `*` fans out to every non-terminal state.
    assert.equal(ticket.transition('merging', 'abandon')?.to, 'abandoned');
    assert.equal(ticket.transition('done', 'abandon'), undefined);
  });

  it('pull-request ends in merged or closed', () => {
    const pr = new Workflow(pullRequestWorkflow);
    assert.deepEqual(pr.definition.terminal, ['merged', 'closed']);
    assert.equal(pr.transition('approved', 'merge')?.to, 'merging');
  });

  it('an unknown workflow name lists the known ones', () => {
    assert.match(
      refusal(() => WorkflowSet.defaults().get('nope')),
      /no workflow named "nope".*ticket, pull-request/,
    );
  });
});

describe('workflows from config', () => {
  it('adds a custom workflow next to the defaults and keeps its guard', () => {
    const set = workflowSetFromConfig({ review });
    assert.deepEqual(set.names(), ['ticket', 'pull-request', 'work', 'review']);
    assert.equal(set.get('review').transition('doing', 'finish')?.guard, 'gates-passed');
  });

  it('a config workflow named like a default replaces it', () => {
    const set = workflowSetFromConfig({ ticket: review });
    assert.deepEqual(set.get('ticket').definition.states, ['todo', 'doing', 'done']);
  });

  it('an absent section means the defaults', () => {
    assert.deepEqual(workflowDefinitionsFromConfig(undefined), []);
  });

  it('structural errors name the path and what was expected, all at once', () => {
    const message = refusal(() =>
      workflowDefinitionsFromConfig({
        review: { ...review, initial: 3, transitions: [{ event: 'start', from: 'todo', too: 'doing' }] },
      }),
    );
    assert.match(message, /workflows\.review\.initial: expected string/);
    assert.match(message, /workflows\.review\.transitions\[0\]: missing property "to"/);
    assert.match(message, /workflows\.review\.transitions\[0\]: unknown property "too"/);
    assert.match(message, /fix the workflows section of the factory config\.$/);
  });

  it('consistency errors name the path: unknown states, leaving a terminal state, duplicates', () => {
    const message = refusal(() =>
      workflowDefinitionsFromConfig({
        review: {
          ...review,
          transitions: [
            { event: 'start', from: 'todo', to: 'doin' },
            { event: 'reopen', from: 'done', to: 'todo' },
            { event: 'start', from: ['todo'], to: 'done' },
          ],
        },
      }),
    );
    assert.match(
      message,
      /workflows\.review\.transitions\[0\]\.to: "doin" is not one of the states \(todo, doing, done\)/,
    );
    assert.match(message, /workflows\.review\.transitions\[1\]\.from: "done" is terminal/);
    assert.match(
      message,
      /workflows\.review\.transitions\[2\]: event "start" from "todo" is already defined by transitions\[0\]/,
    );
  });

  it('a section that is not an object is refused', () => {
    assert.match(
      refusal(() => workflowDefinitionsFromConfig(['ticket'])),
      /^the workflows are invalid: workflows: expected object/,
    );
  });
});

describe('mermaid', () => {
  it('draws every transition, the start and the ends, with ids mermaid accepts', () => {
    const text = workflowToMermaid(new Workflow(pullRequestWorkflow));
    assert.match(text, /^stateDiagram-v2\n/);
    assert.match(text, /\[\*\] --> open\n/);
    assert.match(text, /state "changes-requested" as changes_requested/);
    assert.match(text, /checking --> changes_requested: checks-failed/);
    assert.match(text, /merged --> \[\*\]/);
    assert.doesNotMatch(text.replace(/state ".*" as/g, ''), /[a-z]-[a-z]+ -->/);
  });

  it('labels guarded transitions with their guard', () => {
    const text = workflowToMermaid(workflowSetFromConfig({ review }).get('review'));
    assert.match(text, /doing --> done: finish \[gates-passed\]/);
  });
});
