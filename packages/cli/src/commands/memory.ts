import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const memoryCommand: CommandModule = {
  command: 'memory <command>',
  describe: "the project's memory that the hooks add to the agent's context",
  builder: (y) =>
    y
      .command('add <text>', 'remember something (--tag T, --paths GLOB)', {}, notAvailable('memory add'))
      .command('list', 'list memory entries', {}, notAvailable('memory list'))
      .command('rm <id>', 'forget an entry', {}, notAvailable('memory rm'))
      .demandCommand(1, 'name a memory command'),
  handler: () => {},
};
