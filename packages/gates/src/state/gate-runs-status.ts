import type { StatusSection } from '@factory/core/state/status';
import { listGateRuns } from './gate-runs.js';
import { gatesSchema } from './migrations/index.js';

interface GateRunsStatus {
  readonly recent: Array<{
    gate: string;
    status: string;
    durationMs: number;
    startedAt: string;
    sha?: string;
  }>;
  readonly failedLast24h: number;
}

/** `factory status`: the latest gate runs and how many failed in the last day. Kept apart from
 * gate-runs.ts so that the gates' hot path does not load the status machinery. */
export const gateRunsStatusSection: StatusSection<GateRunsStatus> = {
  name: 'gateRuns',
  title: 'Gate runs',
  collect(state) {
    // A state.db that gates never wrote to has none of their tables: nothing to show, nothing created.
    const runs = state.store.version(gatesSchema.owner) > 0 ? listGateRuns(state.store, { limit: 200 }) : [];
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    return {
      recent: runs.slice(0, 5).map((run) => ({
        gate: run.gate,
        status: run.status,
        durationMs: run.durationMs,
        startedAt: run.startedAt,
        ...(run.sha ? { sha: run.sha } : {}),
      })),
      failedLast24h: runs.filter((run) => run.startedAt >= dayAgo && run.status !== 'passed').length,
    };
  },
  render(data) {
    if (data.recent.length === 0) return ['no gate runs yet'];
    return [
      `not passed in the last 24 h: ${data.failedLast24h}`,
      ...data.recent.map(
        (run) => `${run.startedAt}  ${run.gate.padEnd(10)} ${run.status.padEnd(11)} ${run.durationMs} ms`,
      ),
    ];
  },
};
