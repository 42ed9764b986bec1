import type { CommandModule } from 'yargs';
import { notAvailable } from './not-available.js';

export const sweepCommand: CommandModule = {
  command: 'sweep',
  describe: 'health, drift, state and open pull/merge requests of every repository in the manifest',
  builder: (y) =>
    y
      .option('manifest', { type: 'string', describe: 'manifest file (default $FACTORY_HOME/repos.yaml)' })
      .option('concurrency', {
        type: 'number',
        describe: 'repositories at once (default from the CPU count)',
      })
      .option('only', { type: 'string', describe: 'only repositories with this tag' })
      .option('fix', { type: 'boolean', describe: 're-run init where something drifted' })
      .option('exec', { type: 'string', describe: 'run a command in each repository' })
      .option('resume', { type: 'boolean', describe: 'retry only what failed last time' }),
  handler: notAvailable('sweep'),
};
