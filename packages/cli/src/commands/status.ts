import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const statusCommand: CommandModule = {
  command: 'status',
  describe: 'tasks by state, leases, recent gate runs and guard decisions of this repository',
  handler: notAvailable('status'),
};
