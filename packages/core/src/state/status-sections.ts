import type { StatusSection } from './status.js';

/**
 * The sections other subsystems add to `factory status`, in the order they are shown. Each subsystem
 * defines its section next to its own state module (e.g. `gate-runs.ts` exports `gateRunsStatusSection`
 * made with `defineStatusSection`) and adds one line here.
 */
export const statusSections: readonly StatusSection<unknown>[] = [];
