import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: 'find every way the gates or the guard could silently not run, with the fix for each',
  handler: notAvailable('doctor'),
};
