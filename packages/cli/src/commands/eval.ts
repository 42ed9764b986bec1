import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const evalCommand: CommandModule = {
  command: 'eval <command>',
  describe: 'behavioural evals: did the agent do what the skills say',
  builder: (y) =>
    y
      .command(
        'run [files..]',
        'run eval scenarios (--transcript FILE, --live, --runs N, --junit FILE)',
        {},
        notAvailable('eval run'),
      )
      .command(
        'compare',
        'flag scenarios that regressed since the previous run',
        {},
        notAvailable('eval compare'),
      )
      .command(
        'coverage',
        'fail when a shipped skill or guard rule has no scenario',
        {},
        notAvailable('eval coverage'),
      )
      .demandCommand(1, 'name an eval command'),
  handler: () => {},
};
