import type { StateStore } from '@factory/core/state/store';
import { latestEvalPairs } from '../state/eval-runs.js';

export interface ScenarioComparison {
  readonly scenario: string;
  /** regressed: passed before, fails now; dropped: pass rate fell; fixed: failed before, passes now. */
  readonly change: 'regressed' | 'dropped' | 'fixed' | 'unchanged' | 'new';
  readonly previous?: { readonly runId: number; readonly status: string; readonly passRate: number };
  readonly current: { readonly runId: number; readonly status: string; readonly passRate: number };
}

/** Compares each scenario's latest recorded result with the one before it. */
export function compareEvalRuns(store: StateStore): ScenarioComparison[] {
  return latestEvalPairs(store).map(({ scenario, current, previous }) => {
    const cur = { runId: current.runId, status: current.status, passRate: current.passRate };
    if (!previous) return { scenario, change: 'new', current: cur };
    const prev = { runId: previous.runId, status: previous.status, passRate: previous.passRate };
    let change: ScenarioComparison['change'] = 'unchanged';
    if (previous.status === 'passed' && current.status === 'failed') change = 'regressed';
    else if (previous.status === 'failed' && current.status === 'passed') change = 'fixed';
    else if (current.passRate < previous.passRate) change = 'dropped';
    return { scenario, change, previous: prev, current: cur };
  });
}
