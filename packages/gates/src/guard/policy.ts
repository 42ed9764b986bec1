import type { Analysis } from './shell/analyze.js';

/** The guard's answers, strongest last: a deny beats an ask beats an allow. */
export type Decision = 'allow' | 'ask' | 'deny';

export const decisionRank: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/**
 * Rule families. Exceptions to `gate-skip` and `secrets` rules can only be granted by a human at a
 * terminal, never by the agent.
 */
export type RuleCategory =
  | 'gate-skip'
  | 'history'
  | 'files'
  | 'secrets'
  | 'network'
  | 'self'
  | 'unanalysable'
  | 'tool-choice';

export const humanOnlyCategories: ReadonlySet<RuleCategory> = new Set(['gate-skip', 'secrets', 'self']);

/** One tool call as Claude Code describes it. */
export interface GuardCall {
  readonly tool: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export interface GuardConfig {
  /** The decision for a command the shell analysis cannot follow. */
  readonly unanalysable: Decision;
  /** What happens when the guard itself fails (bad input, internal error): fail closed by default. */
  readonly onError: 'deny' | 'allow';
  /** `refusals`: record every deny and ask; `all`: every decision. */
  readonly audit: 'refusals' | 'all';
  /** Branches no push may reach (globs with `*`). */
  readonly protectedBranches: readonly string[];
  readonly presets: readonly string[];
  /** Rules switched off by the human, each with the reason (recorded with every call it lets through). */
  readonly disable: ReadonlyArray<{ readonly rule: string; readonly reason: string }>;
  /**
   * Programs the repository vouches for (its own CLIs), each with the reason: understood like the everyday
   * tools (the rules still judge their arguments), no longer refused as unknown.
   */
  readonly programs: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
  readonly rules: readonly UserRule[];
}

/** A rule from the repository's config or a preset: "use X, not Y" with the message the model sees. */
export interface UserRule {
  readonly id: string;
  readonly description?: string;
  readonly tools?: readonly string[];
  readonly match: {
    readonly program?: string | readonly string[];
    /** Operands that must come first, in order (`["install"]` for `pip install`). */
    readonly args?: readonly string[];
    /** Words that must appear somewhere among the arguments. */
    readonly argsInclude?: readonly string[];
    /** A regular expression tested against `program arg1 arg2 ...` of each command. */
    readonly command?: string;
    /** Globs (relative to the repository) of files the rule covers, for Edit/Write/Read. */
    readonly path?: readonly string[];
    /** A regular expression tested against the content written. */
    readonly content?: string;
  };
  readonly when?: { readonly exists?: readonly string[]; readonly missing?: readonly string[] };
  readonly decision: Decision;
  readonly reason: string;
}

export const defaultGuardConfig: GuardConfig = {
  unanalysable: 'deny',
  onError: 'deny',
  audit: 'refusals',
  protectedBranches: ['main', 'master'],
  presets: [],
  disable: [],
  programs: [],
  rules: [],
};

/** What a rule sees: the call, the analysed command (Bash, PowerShell) and the files it touches. */
export interface RuleInput {
  readonly call: GuardCall;
  readonly cwd: string;
  readonly repoRoot: string | undefined;
  readonly home: string;
  readonly config: GuardConfig;
  readonly analysis?: Analysis | undefined;
  /** The command text (Bash, PowerShell). */
  readonly command?: string | undefined;
  /** Files named by file tools, with what is written into them. */
  readonly files: ReadonlyArray<{
    readonly path: string;
    readonly content?: string;
    readonly write: boolean;
  }>;
  readonly readFile: (path: string) => string | undefined;
  readonly exists: (path: string) => boolean;
  readonly currentBranch: (dir: string) => string | undefined;
  /** The agent's environment (the hook inherits it); process.env when not given. */
  readonly environment?: NodeJS.ProcessEnv | undefined;
}

export interface Hit {
  readonly detail: string;
  /** Overrides the rule's decision for this hit (e.g. a run-time target gets the unanalysable decision). */
  readonly decision?: Decision;
}

export interface Rule {
  readonly id: string;
  readonly category: RuleCategory;
  readonly description: string;
  readonly decision: Decision;
  /** What the agent should do instead: the sanctioned alternative, shown with every refusal. */
  readonly alternative: string;
  /** Tools the rule looks at. */
  readonly tools: readonly string[];
  check(input: RuleInput): Hit[];
}

/** One rule's say on a call. */
export interface Finding {
  readonly rule: string;
  readonly category: RuleCategory;
  readonly decision: Decision;
  readonly detail: string;
  readonly reason: string;
  /** The rule is disabled in config: the finding did not count. */
  readonly disabled?: string;
}

export interface Verdict {
  readonly decision: Decision;
  /** The rule that decided (the strongest finding), absent for a plain allow. */
  readonly rule?: string;
  readonly reason?: string;
  readonly findings: readonly Finding[];
  readonly analysis?: Analysis | undefined;
  /** Why an allow is one (a command the shell itself refuses to parse runs nothing). */
  readonly note?: string;
}
