import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const skillsCommand: CommandModule = {
  command: 'skills <command>',
  describe: 'the skills installed into .claude/skills/',
  builder: (y) =>
    y
      .command('list', 'list shipped and installed skills and their drift', {}, notAvailable('skills list'))
      .command(
        'sync',
        'bring installed skills up to date (--force to replace edited ones)',
        {},
        notAvailable('skills sync'),
      )
      .demandCommand(1, 'name a skills command'),
  handler: () => {},
};
