import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const guardCommand: CommandModule = {
  command: 'guard <command>',
  describe: "show the guard's decisions without Claude Code, and its audit log",
  builder: (y) =>
    y
      .command(
        'explain',
        'analyse a shell command and show the decision and the rule: factory guard explain -- COMMAND...',
        {},
        notAvailable('guard explain'),
      )
      .command(
        'check',
        'decide one tool call',
        (c) =>
          c
            .option('tool', {
              type: 'string',
              demandOption: true,
              describe: 'tool name, e.g. Bash, Edit, Write',
            })
            .option('input', { type: 'string', demandOption: true, describe: 'the tool input as JSON' }),
        notAvailable('guard check'),
      )
      .command('log', 'list recorded guard decisions, newest first', {}, notAvailable('guard log'))
      .demandCommand(1, 'name a guard command'),
  handler: () => {},
};
