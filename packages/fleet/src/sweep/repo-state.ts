import { openExistingRepositoryState } from '@factory/core/state/repository';
import type { StateStore } from '@factory/core/state/store';

/** What a sweep reports from one repository's `.factory/state.db`. */
export interface RepoStateSummary {
  readonly initialized: boolean;
  /** Tasks by `workflow/state`. */
  readonly tasks: Record<string, number> | null;
  /** Expired leases this sweep freed (the task went back to claimable, or failed when out of attempts). */
  readonly leasesRecovered: number;
  /** Pull requests by workflow state (migration slot 5). */
  readonly pulls: Record<string, number>;
  /** Review decisions recorded since `since`. */
  readonly reviewDecisionsSince: number;
  /** Failed gate runs since `since` (slot 2); null when the store has no gate runs table. */
  readonly gateFailuresSince: number | null;
  /** Guard refusals since `since` (slot 3); null when the store has no guard decisions table. */
  readonly guardRefusalsSince: number | null;
}

function columns(store: StateStore, table: string): Set<string> {
  return new Set(
    (store.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name),
  );
}

/**
 * Counts rows since a time in a table another subsystem owns, reading only columns it can see exist:
 * a schema that changes under us makes the count unknown (null), never a crash of the sweep.
 */
function countSince(
  store: StateStore,
  table: string,
  timeColumns: readonly string[],
  filter: { column: string; values: readonly string[] },
  since: string,
): number | null {
  if (!hasTable(store, table)) return null;
  const have = columns(store, table);
  const time = timeColumns.find((c) => have.has(c));
  if (!time || !have.has(filter.column)) return null;
  const marks = filter.values.map(() => '?').join(', ');
  const row = store.db
    .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${time} > ? AND ${filter.column} IN (${marks})`)
    .get(since, ...filter.values) as { n: number };
  return row.n;
}

function hasTable(store: StateStore, name: string): boolean {
  return Boolean(store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name));
}

function countBy(store: StateStore, table: string, column: string): Record<string, number> {
  const rows = store.db
    .prepare(`SELECT ${column} AS k, COUNT(*) AS n FROM ${table} GROUP BY ${column}`)
    .all() as Array<{
    k: string;
    n: number;
  }>;
  return Object.fromEntries(rows.map((row) => [row.k, row.n]));
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
  const store = state.store;
  try {
    // Leases whose holder stopped heartbeating go back to the queue: the sweep is the janitor.
    const expired = state.tasks.expireLeases();
    return store.read(() => {
      const tasks = Object.fromEntries(
        state.tasks.counts().map((c) => [`${c.workflow}/${c.state}`, c.count]),
      );
      const pulls = hasTable(store, 'pull_requests') ? countBy(store, 'pull_requests', 'state') : {};
      const decisions = hasTable(store, 'review_decisions')
        ? ((
            store.db
              .prepare('SELECT COUNT(*) AS n FROM review_decisions WHERE decided_at > ?')
              .get(since ?? '') as { n: number }
          ).n ?? 0)
        : 0;
      const from = since ?? '';
      return {
        initialized: true,
        tasks,
        leasesRecovered: expired.length,
        pulls,
        reviewDecisionsSince: decisions,
        gateFailuresSince: countSince(
          store,
          'gate_runs',
          ['started_at'],
          { column: 'status', values: ['failed', 'error'] },
          from,
        ),
        guardRefusalsSince: countSince(
          store,
          'guard_decisions',
          ['decided_at', 'at', 'created_at', 'timestamp'],
          { column: 'decision', values: ['deny', 'denied', 'block', 'blocked'] },
          from,
        ),
      };
    });
  } finally {
    state.close();
  }
}
