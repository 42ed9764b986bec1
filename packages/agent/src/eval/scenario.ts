/** A behavioural eval scenario, as written in `evals/*.yaml` (see scenario-schema.ts). */

/** A matcher on one value: a bare value means equals. */
export type ValueMatcher =
  | string
  | number
  | boolean
  | { readonly equals: unknown }
  | { readonly contains: string }
  | { readonly regex: string; readonly flags?: string }
  | { readonly absent: true };

/** Which tool call: the tool's name (or a regex on it) and matchers on input fields (dotted paths). */
export interface ToolCallMatcher {
  readonly tool?: string | { readonly regex: string };
  readonly input?: Readonly<Record<string, ValueMatcher>>;
}

export type Expectation =
  | {
      readonly toolCall: ToolCallMatcher & {
        readonly times?: { readonly min?: number; readonly max?: number };
      };
    }
  | { readonly noToolCall: ToolCallMatcher }
  | { readonly order: readonly ToolCallMatcher[] }
  | { readonly noRefusals: true }
  | { readonly refusedBy: string | { readonly rule: string; readonly tool?: ToolCallMatcher } }
  | { readonly shell: string | { readonly run: string; readonly exitCode?: number } }
  | { readonly maxTurns: number }
  | { readonly finalText: ValueMatcher }
  /** Text the model received in its context (scripted lane: what hooks such as memory injection added). */
  | { readonly modelSaw: string };

/** One turn of the scripted model: a tool call, or plain text (the last text ends the session). */
export type ScriptStep =
  | { readonly tool: string; readonly input: Readonly<Record<string, unknown>> }
  | { readonly text: string };

export interface ScenarioSetup {
  /** A folder copied as the workspace, relative to the scenario file. */
  readonly fixture?: string;
  /** Shell commands run in the workspace after the copy (e.g. git init, npm install). */
  readonly commands?: readonly string[];
  /** Install factory's Claude Code hooks (guard and memory) in the workspace. */
  readonly guard?: boolean;
  /** Memory entries added to the workspace before the session. */
  readonly memory?: ReadonlyArray<{ readonly text: string; readonly tags?: readonly string[] }>;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly prompt: string;
  /** The shipped skills this scenario tests; they are installed in the workspace. */
  readonly skills?: readonly string[];
  /** The built-in guard rules this scenario tests. */
  readonly rules?: readonly string[];
  readonly setup?: ScenarioSetup;
  readonly expect: readonly Expectation[];
  readonly runs?: number;
  /** Pass rate (0..1) a scenario needs over its runs; default 1. */
  readonly threshold?: number;
  /** k of pass@k; default the number of runs. */
  readonly k?: number;
  readonly limits?: {
    readonly maxTurns?: number;
    readonly maxCostUsd?: number;
    readonly timeoutSeconds?: number;
  };
  readonly allowedTools?: readonly string[];
  /** The model's turns for the scripted lane. */
  readonly script?: readonly ScriptStep[];
}

/** A scenario with where it came from. */
export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
}
