import type { EvalResultRecord } from '../state/eval-runs.js';
import type { ExpectationVerdict } from './match.js';
import type { LoadedScenario } from './scenario.js';
import { passAtK, passRate } from './score.js';

/** One attempt at a scenario: the verdict of each expectation. */
export interface Attempt {
  readonly verdicts: readonly ExpectationVerdict[];
  readonly durationMs: number;
  readonly costUsd?: number;
  /** Set when the attempt could not run at all (setup failed, the CLI crashed, a limit was hit). */
  readonly error?: string;
  /** The Claude Code version that produced the session (behaviour changes between versions). */
  readonly claudeCodeVersion?: string;
}

export function attemptPassed(attempt: Attempt): boolean {
  return attempt.error === undefined && attempt.verdicts.every((v) => v.status !== 'failed');
}

export interface ScenarioOutcome extends EvalResultRecord {
  readonly attemptsDetail: readonly Attempt[];
  readonly skipReason?: string;
}

/** Folds N attempts into one result: pass rate against the scenario's threshold, and pass@k. */
export function scoreScenario(loaded: LoadedScenario, attempts: readonly Attempt[]): ScenarioOutcome {
  const { scenario } = loaded;
  const n = attempts.length;
  const c = attempts.filter(attemptPassed).length;
  const threshold = scenario.threshold ?? 1;
  const k = Math.min(scenario.k ?? n, Math.max(n, 1));
  const failures: string[] = [];
  for (const [i, attempt] of attempts.entries()) {
    const prefix = n > 1 ? `run ${i + 1}: ` : '';
    if (attempt.error) failures.push(`${prefix}${attempt.error}`);
    for (const v of attempt.verdicts) {
      if (v.status === 'failed')
        failures.push(`${prefix}${v.expectation}${v.detail ? ` (${v.detail})` : ''}`);
    }
  }
  const costs = attempts.map((a) => a.costUsd).filter((x): x is number => typeof x === 'number');
  const rate = passRate(n, c);
  return {
    scenario: scenario.name,
    file: loaded.file,
    status: n > 0 && rate >= threshold ? 'passed' : 'failed',
    attempts: n,
    passes: c,
    passRate: rate,
    threshold,
    passAtK: passAtK(n, c, k),
    k,
    failures,
    durationMs: attempts.reduce((sum, a) => sum + a.durationMs, 0),
    costUsd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
    attemptsDetail: attempts,
  };
}

export function skippedScenario(loaded: LoadedScenario, reason: string): ScenarioOutcome {
  return {
    scenario: loaded.scenario.name,
    file: loaded.file,
    status: 'skipped',
    attempts: 0,
    passes: 0,
    passRate: 0,
    threshold: loaded.scenario.threshold ?? 1,
    passAtK: 0,
    k: 0,
    failures: [],
    durationMs: 0,
    costUsd: null,
    attemptsDetail: [],
    skipReason: reason,
  };
}
