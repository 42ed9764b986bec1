import type { WorkflowDefinition } from './types.js';

/**
 * The default `ticket` workflow: a unit of work from idea to merged code.
 * `blocked` and `reviewing` are hand-off states (someone else must act); `done` and `abandoned` end it.
 */
export const ticketWorkflow: WorkflowDefinition = {
  name: 'ticket',
  description: 'a unit of work from idea to merged code',
  states: [
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
  ],
  initial: 'new',
  terminal: ['done', 'abandoned'],
  handoff: ['reviewing', 'blocked'],
  failState: 'blocked',
  transitions: [
    { event: 'plan', from: 'new', to: 'planned', description: 'the plan is written' },
    { event: 'start', from: ['new', 'planned'], to: 'coding', description: 'work on the code begins' },
    { event: 'test', from: 'coding', to: 'testing', description: 'the change is ready to be tested' },
    {
      event: 'fix',
      from: ['testing', 'reviewing'],
      to: 'coding',
      description: 'tests or review asked for changes',
    },
    {
      event: 'review',
      from: 'testing',
      to: 'reviewing',
      description: 'tests pass; the change awaits review',
    },
    { event: 'approve', from: 'reviewing', to: 'merging', description: 'the review approved the change' },
    { event: 'merge', from: 'merging', to: 'merged', description: 'the change landed on the main branch' },
    { event: 'finish', from: 'merged', to: 'done', description: 'follow-ups are done; the ticket is closed' },
    { event: 'block', from: '*', to: 'blocked', description: 'work cannot go on without outside help' },
    { event: 'unblock', from: 'blocked', to: 'coding', description: 'the blocker is gone' },
    { event: 'abandon', from: '*', to: 'abandoned', description: 'the ticket will not be done' },
  ],
};

/**
 * The default `pull-request` workflow: a pull or merge request on a forge, as the review flow sees it.
 * Its tasks carry an idempotency key such as `github:owner/repo#12`.
 */
export const pullRequestWorkflow: WorkflowDefinition = {
  name: 'pull-request',
  description: 'a pull or merge request from opening to merge or close',
  states: ['open', 'checking', 'reviewing', 'changes-requested', 'approved', 'merging', 'merged', 'closed'],
  initial: 'open',
  terminal: ['merged', 'closed'],
  handoff: ['reviewing', 'changes-requested'],
  failState: 'changes-requested',
  transitions: [
    {
      event: 'check',
      from: ['open', 'changes-requested'],
      to: 'checking',
      description: 'checks run on the head commit',
    },
    { event: 'checks-passed', from: 'checking', to: 'reviewing', description: 'every required check passed' },
    {
      event: 'checks-failed',
      from: 'checking',
      to: 'changes-requested',
      description: 'a required check failed',
    },
    {
      event: 'request-changes',
      from: 'reviewing',
      to: 'changes-requested',
      description: 'a reviewer asked for changes',
    },
    {
      event: 'push',
      from: ['reviewing', 'changes-requested', 'approved'],
      to: 'checking',
      description: 'a new head commit was pushed',
    },
    { event: 'approve', from: 'reviewing', to: 'approved', description: 'a reviewer approved' },
    { event: 'merge', from: 'approved', to: 'merging', description: 'policy allows the merge of this head' },
    { event: 'merged', from: 'merging', to: 'merged', description: 'the forge merged the exact head' },
    { event: 'merge-failed', from: 'merging', to: 'reviewing', description: 'the forge refused the merge' },
    { event: 'close', from: '*', to: 'closed', description: 'closed without merging' },
  ],
};

/**
 * The default `work` workflow: what `factory work` and `factory loop` carry from a prompt to merged pull
 * requests. A task's session runs in `running`; a session that ends without work that passed the gates
 * goes back to `ready` while attempts are left (the task's `maxAttempts`), else to `blocked` with the reason.
 * Bad input (a repository not in the manifest, a dirty checkout, a taken branch) blocks at once.
 */
export const workWorkflow: WorkflowDefinition = {
  name: 'work',
  description: 'a prompt carried by an agent session to merged pull requests (factory work, factory loop)',
  states: ['ready', 'running', 'review', 'done', 'blocked', 'cancelled'],
  initial: 'ready',
  terminal: ['done', 'cancelled'],
  handoff: ['review', 'blocked'],
  failState: 'blocked',
  transitions: [
    {
      event: 'start',
      from: ['ready', 'running'],
      to: 'running',
      description: 'a session starts in the workspace (again, after a crash)',
    },
    {
      event: 'submit',
      from: 'running',
      to: 'review',
      description: 'commits passed the gates, were pushed, and a request is open per repository',
    },
    {
      event: 'retry',
      from: 'running',
      to: 'ready',
      description: 'the session ended without work that passed the gates; attempts are left',
    },
    {
      event: 'merged',
      from: 'review',
      to: 'done',
      description: 'every request of the task was merged; its workspace is reclaimed',
    },
    {
      event: 'rework',
      from: 'review',
      to: 'ready',
      description: 'a request has failing checks or requested changes: work again on the same branch',
    },
    {
      event: 'block',
      from: '*',
      to: 'blocked',
      description: 'bad input or out of attempts: a human must look',
    },
    { event: 'unblock', from: 'blocked', to: 'ready', description: 'the cause is fixed; try again' },
    { event: 'cancel', from: '*', to: 'cancelled', description: 'the task will not be done' },
  ],
};

export const defaultWorkflows: readonly WorkflowDefinition[] = [
  ticketWorkflow,
  pullRequestWorkflow,
  workWorkflow,
];
