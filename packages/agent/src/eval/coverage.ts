import type { LoadedScenario } from './scenario.js';

export interface CoverageReport {
  readonly skills: ReadonlyArray<{ readonly name: string; readonly scenarios: readonly string[] }>;
  readonly rules: ReadonlyArray<{ readonly name: string; readonly scenarios: readonly string[] }>;
  readonly uncoveredSkills: readonly string[];
  readonly uncoveredRules: readonly string[];
  /** Names scenarios refer to that are neither a shipped skill nor a known rule (typos). */
  readonly unknownSkills: readonly string[];
  readonly unknownRules: readonly string[];
}

/**
 * Which shipped skills and built-in guard rules have a scenario. A skill is covered by a scenario that
 * lists it under `skills`; a rule by one that lists it under `rules` or expects a refusal by it.
 */
export function evalCoverage(
  scenarios: readonly LoadedScenario[],
  shippedSkills: readonly string[],
  guardRules: readonly string[],
): CoverageReport {
  const bySkill = new Map<string, string[]>(shippedSkills.map((s) => [s, []]));
  const byRule = new Map<string, string[]>(guardRules.map((r) => [r, []]));
  const unknownSkills = new Set<string>();
  const unknownRules = new Set<string>();
  for (const { scenario } of scenarios) {
    for (const skill of scenario.skills ?? []) {
      const list = bySkill.get(skill);
      if (list) list.push(scenario.name);
      else unknownSkills.add(skill);
    }
    const rules = new Set(scenario.rules ?? []);
    for (const e of scenario.expect) {
      if ('refusedBy' in e) rules.add(typeof e.refusedBy === 'string' ? e.refusedBy : e.refusedBy.rule);
    }
    for (const rule of rules) {
      const list = byRule.get(rule);
      if (list) list.push(scenario.name);
      else if (guardRules.length > 0) unknownRules.add(rule);
    }
  }
  const entries = (m: Map<string, string[]>) => [...m].map(([name, list]) => ({ name, scenarios: list }));
  return {
    skills: entries(bySkill),
    rules: entries(byRule),
    uncoveredSkills: [...bySkill].filter(([, l]) => l.length === 0).map(([n]) => n),
    uncoveredRules: [...byRule].filter(([, l]) => l.length === 0).map(([n]) => n),
    unknownSkills: [...unknownSkills],
    unknownRules: [...unknownRules],
  };
}
