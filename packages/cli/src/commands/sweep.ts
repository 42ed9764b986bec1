import { resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import type { CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';

interface SweepArgs {
  manifest?: string;
  concurrency?: number;
  only?: string;
  fix?: boolean;
  exec?: string;
  resume?: boolean;
  timeout?: number;
  forges?: boolean;
  json?: boolean;
  cwd?: string;
}

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
      .option('resume', {
        type: 'boolean',
        describe: 'sweep only what was not healthy, never swept, or not reached by an interrupted sweep',
      })
      .option('timeout', {
        type: 'number',
        describe: 'seconds one repository may take (default 120, at most 86400)',
      })
      .option('forges', {
        type: 'boolean',
        default: true,
        describe: 'read open pull/merge requests (--no-forges to skip)',
      }),
  handler: async (argv) => {
    const args = argv as unknown as SweepArgs;
    const { runSweep, SweepInterrupted } = await import('../sweep/run.js');
    const concurrency = args.concurrency;
    if (
      concurrency !== undefined &&
      (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    ) {
      throw new FactoryError(messages.concurrencyInvalid(concurrency), ExitCode.usage);
    }
    const { MAX_TIMEOUT_SECONDS } = await import('@factory/fleet/manifest/schema');
    const timeout = args.timeout;
    if (timeout !== undefined && !(timeout > 0 && timeout <= MAX_TIMEOUT_SECONDS)) {
      throw new FactoryError(messages.sweepTimeoutInvalid(timeout, MAX_TIMEOUT_SECONDS), ExitCode.usage);
    }
    const outcome = await runSweep({
      manifest: args.manifest ? resolve(args.manifest) : undefined,
      concurrency,
      only: args.only,
      fix: Boolean(args.fix),
      exec: args.exec,
      resume: Boolean(args.resume),
      timeoutSeconds: args.timeout,
      forges: args.forges !== false,
      json: Boolean(args.json),
      env: process.env,
    }).catch((error: unknown) => {
      if (!(error instanceof SweepInterrupted)) throw error;
      process.stderr.write(`${error.message}\n`);
      return undefined;
    });
    if (!outcome) {
      process.exitCode = 130; // interrupted, as a shell reports Ctrl-C
      return;
    }
    // State on PostgreSQL: the team sees every swept repository's gate runs, guard refusals and this sweep.
    const { manifestAndCurrentRoots, syncTeamAfter } = await import('../team-sync.js');
    const cwd = args.cwd ?? process.cwd();
    await syncTeamAfter(() => manifestAndCurrentRoots(args.manifest, cwd), { cwd });
    if (args.json) printJson(outcome.document);
    else for (const line of outcome.lines) printLine(line);
    if (outcome.unhealthy > 0) process.exitCode = ExitCode.refused;
  },
};
