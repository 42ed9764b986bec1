import { findRepositoryRoot } from '@factory/core/paths';
import { loadGuardConfig } from './config.js';
import { activeRules, decide } from './engine.js';
import { type GuardCall, humanOnlyCategories, type RuleCategory } from './policy.js';

/**
 * What `factory guard explain` and `factory guard check` show: the decision, the rule, and the shell
 * analysis behind it (every program the command can run, after unwrapping), without Claude Code.
 */
export interface Explanation {
  readonly tool: string;
  readonly decision: 'allow' | 'ask' | 'deny';
  readonly rule?: string;
  readonly reason?: string;
  /** Why an allow is one (the shell itself refuses to parse the command, so runs none of it). */
  readonly note?: string;
  readonly findings: ReadonlyArray<{ rule: string; decision: string; detail: string; disabled?: string }>;
  readonly invocations?: ReadonlyArray<{ program: string; args: string[]; via: string[]; cwd?: string }>;
  readonly unanalysable?: readonly string[];
  readonly networkExec?: readonly string[];
  readonly opaqueCode?: ReadonlyArray<{ language: string; where: string }>;
  readonly configFile?: string;
}

export async function explainCall(call: GuardCall, cwd: string): Promise<Explanation> {
  const loaded = await loadGuardConfig(cwd);
  const verdict = decide(call, { cwd, config: loaded.config, repoRoot: findRepositoryRoot(cwd) });
  const analysis = verdict.analysis;
  return {
    tool: call.tool,
    decision: verdict.decision,
    ...(verdict.rule && verdict.decision !== 'allow' ? { rule: verdict.rule } : {}),
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.note ? { note: verdict.note } : {}),
    findings: verdict.findings.map((finding) => ({
      rule: finding.rule,
      decision: finding.decision,
      detail: finding.detail,
      ...(finding.disabled ? { disabled: finding.disabled } : {}),
    })),
    ...(analysis
      ? {
          invocations: analysis.invocations
            .filter((inv) => inv.program !== '')
            .map((inv) => ({
              program: inv.program,
              args: inv.args.map((arg) => arg.value ?? `<${arg.raw}>`),
              via: [...inv.via],
              ...(inv.cwd && inv.cwd !== cwd ? { cwd: inv.cwd } : {}),
            })),
          unanalysable: analysis.unanalysable,
          networkExec: analysis.networkExec,
          opaqueCode: analysis.opaqueCode.map((code) => ({ language: code.language, where: code.where })),
        }
      : {}),
    ...(loaded.file ? { configFile: loaded.file } : {}),
  };
}

/** The category of a rule known in this repository (built-in, preset or config), or undefined. */
export async function ruleCategory(ruleId: string, cwd: string): Promise<RuleCategory | undefined> {
  const { config } = await loadGuardConfig(cwd);
  return activeRules(config).find((rule) => rule.id === ruleId)?.category;
}

export function isHumanOnly(category: RuleCategory): boolean {
  return humanOnlyCategories.has(category);
}

export function knownRuleIds(rules: ReturnType<typeof activeRules>): string[] {
  return rules.map((rule) => rule.id);
}
