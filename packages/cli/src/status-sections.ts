import type { StatusSection } from '@factory/core/state/status';
import { gateRunsStatusSection } from '@factory/gates/state/gate-runs-status';
import { guardDecisionsStatusSection } from '@factory/gates/state/guard-decisions-status';

/**
 * The sections other subsystems add to `factory status`, in the order they are shown. A subsystem defines
 * its section with `defineStatusSection` (a name for `--json`, a title, `collect` reading through its own
 * state module inside the status snapshot, `render` giving the human lines) and adds it to this list.
 */
export const statusSections: readonly StatusSection<unknown>[] = [
  gateRunsStatusSection as StatusSection<unknown>, // gates
  guardDecisionsStatusSection as StatusSection<unknown>, // guard
];
