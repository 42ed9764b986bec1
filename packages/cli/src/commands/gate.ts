import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const gateCommand: CommandModule = {
  command: 'gate <command>',
  describe: 'run a git gate (what the git hooks call), or list past gate runs',
  builder: (y) =>
    y
      .command(
        'pre-commit',
        'check the staged changes: configured tasks, secrets, conflict markers, large files',
        {},
        notAvailable('gate pre-commit'),
      )
      .command(
        'pre-push',
        'run the configured checks and scan the pushed commits for secrets',
        {},
        notAvailable('gate pre-push'),
      )
      .command('commit-msg <file>', 'check the commit message', {}, notAvailable('gate commit-msg'))
      .command('history', 'list past gate runs, newest first', {}, notAvailable('gate history'))
      .demandCommand(1, 'name a gate'),
  handler: () => {},
};
