import type { StatusSection } from '@factory/core/state/status';
import { listGuardDecisions } from './guard-decisions.js';
import { gatesSchema } from './migrations/index.js';

interface GuardDecisionsStatus {
  readonly recent: Array<{
    at: string;
    decision: string;
    tool: string;
    rule: string | null;
    inputSummary: string;
    sessionId: string | null;
  }>;
  readonly deniedLast24h: number;
}

/** `factory status`: the guard's latest decisions and how many calls it refused in the last day. Kept
 * apart from guard-decisions.ts so that the hook's hot path does not load the status machinery. */
export const guardDecisionsStatusSection: StatusSection<GuardDecisionsStatus> = {
  name: 'guardDecisions',
  title: 'Guard decisions',
  collect(state) {
    // A state.db that gates never wrote to has none of their tables: nothing to show, nothing created.
    const decisions =
      state.store.version(gatesSchema.owner) > 0 ? listGuardDecisions(state.store, { limit: 200 }) : [];
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    return {
      recent: decisions.slice(0, 5).map((d) => ({
        at: d.at,
        decision: d.decision,
        tool: d.tool,
        rule: d.rule,
        inputSummary: d.inputSummary,
        sessionId: d.sessionId,
      })),
      deniedLast24h: decisions.filter((d) => d.at >= dayAgo && d.decision === 'deny').length,
    };
  },
  render(data) {
    if (data.recent.length === 0) return ['no guard decisions yet'];
    return [
      `denied in the last 24 h: ${data.deniedLast24h}`,
      ...data.recent.map(
        (d) =>
          `${d.at}  ${d.decision.padEnd(5)} ${d.tool.padEnd(10)} ${d.rule ?? '-'}: ${d.inputSummary.slice(0, 60)}`,
      ),
    ];
  },
};
