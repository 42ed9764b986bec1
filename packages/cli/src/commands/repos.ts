import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const reposCommand: CommandModule = {
  command: 'repos <command>',
  describe: 'the manifest of repositories that sweep and review cover',
  builder: (y) =>
    y
      .command('add <path>', 'add a repository (--tag T)', {}, notAvailable('repos add'))
      .command('list', 'list the repositories', {}, notAvailable('repos list'))
      .command('rm <path>', 'remove a repository', {}, notAvailable('repos rm'))
      .demandCommand(1, 'name a repos command'),
  handler: () => {},
};
