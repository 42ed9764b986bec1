import { type GateRun, listGateRuns } from './gate-runs.js';
import { defineStatusSection, type StatusSection } from './status.js';

/** The last gate runs of the repository (gates record them in slot 2 of the schema). */
export const gateRunsStatusSection = defineStatusSection<GateRun[]>({
  name: 'gateRuns',
  title: 'recent gate runs',
  collect: (state) => listGateRuns(state.store, { limit: 10 }),
  render: (runs) =>
    runs.length === 0
      ? ['none yet']
      : runs.map(
          (run) =>
            `${run.startedAt}  ${run.gate.padEnd(10)} ${run.status.padEnd(11)} ${String(run.durationMs).padStart(6)} ms${
              run.sha ? `  ${run.sha.slice(0, 12)}` : ''
            }${run.skipped.length ? `  skipped ${run.skipped.join(', ')}: ${run.skipReason ?? ''}` : ''}`,
        ),
});

/**
 * The sections other subsystems add to `factory status`, in the order they are shown. A subsystem defines
 * its section with `defineStatusSection` (a name for `--json`, a title, `collect` reading through its own
 * state module inside the status snapshot, `render` giving the human lines) and adds it to this list.
 */
export const statusSections: readonly StatusSection<unknown>[] = [
  gateRunsStatusSection as StatusSection<unknown>,
  // guard decisions: the guard helper adds `guardDecisionsStatusSection` here.
];
