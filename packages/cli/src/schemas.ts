import { agentSchema } from '@factory/agent/state/migrations/index';
import { fleetSchema } from '@factory/fleet/state/migrations/index';
import { gatesSchema } from '@factory/gates/state/migrations/index';

/** Every package's schema history in a repository's state.db (core's is always opened): what status reads. */
export const packageSchemas = [gatesSchema, agentSchema, fleetSchema] as const;
