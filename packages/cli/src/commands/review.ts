import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const reviewCommand: CommandModule = {
  command: 'review',
  describe: "apply the merge policy to the manifest's open pull/merge requests (dry run unless --merge)",
  builder: (y) =>
    y
      .option('manifest', { type: 'string', describe: 'manifest file (default $FACTORY_HOME/repos.yaml)' })
      .option('merge', { type: 'boolean', describe: 'merge what the policy allows' }),
  handler: notAvailable('review'),
};
