/**
 * A declarative workflow: a finite state machine that tasks move through.
 *
 * Every state has a phase, which is what other parts of factory ask about without knowing the workflow:
 * - `active`: work is to be done; free tasks in active states are what `claim` hands out;
 * - `handoff`: the task waits on someone else (a reviewer, a blocker): an agent may stop holding it;
 * - `terminal`: the task has ended; no event leaves a terminal state.
 */
export type StatePhase = 'active' | 'handoff' | 'terminal';

export interface TransitionDefinition {
  /** The event name that fires the transition, e.g. `start-coding`. */
  readonly event: string;
  /** The state(s) the event may fire from; `*` means every non-terminal state. */
  readonly from: string | readonly string[];
  readonly to: string;
  /** The name of a guard another package registers (e.g. `gates-passed`); it must allow the move. */
  readonly guard?: string;
  readonly description?: string;
}

export interface WorkflowDefinition {
  readonly name: string;
  readonly description?: string;
  /** Every state, in the order diagrams list them. */
  readonly states: readonly string[];
  /** The state of a new task. */
  readonly initial: string;
  /** States where the task has ended. */
  readonly terminal: readonly string[];
  /** States where the task waits on someone else (see StatePhase). */
  readonly handoff?: readonly string[];
  /** Where `recover` puts a task whose lease expired more often than its attempt limit allows. */
  readonly failState: string;
  readonly transitions: readonly TransitionDefinition[];
}

/** One transition with `from` resolved to a single state. */
export interface ResolvedTransition {
  readonly event: string;
  readonly from: string;
  readonly to: string;
  readonly guard?: string;
}
