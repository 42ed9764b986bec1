import { openExistingRepositoryState } from '@factory/core/state/repository';
import { countGateFailuresSince } from '@factory/gates/state/gate-runs';
import { countGuardRefusalsSince } from '@factory/gates/state/guard-decisions';
import { gatesSchema } from '@factory/gates/state/migrations/index';
import { fleetSchema } from '../state/migrations/index.js';
import { PullRequests } from '../state/pull-requests.js';

/** What a sweep reports from one repository's `.factory/state.db`. */
export interface RepoStateSummary {
  readonly initialized: boolean;
  /** Tasks by `workflow/state`. */
  readonly tasks: Record<string, number> | null;
  /** Expired leases this sweep freed (the task went back to claimable, or failed when out of attempts). */
  readonly leasesRecovered: number;
  /** Pull requests by review state (fleet's table). */
  readonly pulls: Record<string, number>;
  /** Review decisions recorded since `since`. */
  readonly reviewDecisionsSince: number;
  /** Failed gate runs since `since` (gates' table); null when gates never used this repository's state. */
  readonly gateFailuresSince: number | null;
  /** Guard refusals since `since` (gates' table); null when gates never used this repository's state. */
  readonly guardRefusalsSince: number | null;
}

/**
 * Reads the sweep's view of a repository's state. A repository without `.factory/state.db` is reported
 * as not initialized and nothing is created in it.
 */
export function readRepoState(repoRoot: string, since: string | undefined): RepoStateSummary {
  const state = openExistingRepositoryState(repoRoot);
  if (!state) {
    return {
      initialized: false,
      tasks: null,
      leasesRecovered: 0,
      pulls: {},
      reviewDecisionsSince: 0,
      gateFailuresSince: null,
      guardRefusalsSince: null,
    };
  }
  try {
    // Leases whose holder stopped heartbeating go back to the queue: the sweep is the janitor.
    const expired = state.tasks.expireLeases();
    // A package's figures only where it has used this repository (its tables exist): the sweep reads, it
    // does not create other packages' tables in every repository it visits.
    const gates = state.store.version(gatesSchema.owner) > 0;
    if (gates) state.store.ensure(gatesSchema);
    const pulls = state.store.version(fleetSchema.owner) > 0 ? new PullRequests(state.store) : undefined;
    const from = since ?? '';
    // One snapshot; each figure comes from the package that owns its table.
    return state.store.read(() => ({
      initialized: true,
      tasks: Object.fromEntries(state.tasks.counts().map((c) => [`${c.workflow}/${c.state}`, c.count])),
      leasesRecovered: expired.length,
      pulls: pulls?.countsByState() ?? {},
      reviewDecisionsSince: pulls?.decisionsSince(from) ?? 0,
      gateFailuresSince: gates ? countGateFailuresSince(state.store, from) : null,
      guardRefusalsSince: gates ? countGuardRefusalsSince(state.store, from) : null,
    }));
  } finally {
    state.close();
  }
}
