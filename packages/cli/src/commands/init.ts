import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const initCommand: CommandModule = {
  command: 'init',
  describe:
    'install the gates (git hooks), the guard (Claude Code hooks), skills, config and state in this repository',
  builder: (y) =>
    y
      .option('preset', {
        type: 'string',
        describe: 'preset to start from: base, typescript or python (detected when absent)',
      })
      .option('yes', { type: 'boolean', alias: 'y', describe: 'do not ask before writing' })
      .option('dry-run', {
        type: 'boolean',
        describe: 'list every file that would be written or changed, write nothing',
      })
      .option('force', {
        type: 'boolean',
        describe: 'take over from another hook manager after keeping its hooks',
      })
      .option('team', {
        type: 'boolean',
        describe: 'install as committed files so that every clone is gated',
      }),
  handler: notAvailable('init'),
};
