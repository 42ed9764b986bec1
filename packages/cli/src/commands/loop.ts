import { resolve } from 'node:path';
import { findRepositoryRoot } from '@factory/core';
import type { TickReport } from '@factory/fleet/loop/tick';
import type { Argv, CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

interface LoopArgs {
  readonly cwd?: string;
  readonly json?: boolean;
  readonly manifest?: string;
  readonly concurrency?: number;
  readonly claude?: string;
  readonly 'until-idle'?: boolean;
}

function tickLine(report: TickReport): string {
  const done = report.settled.filter((s) => s.action === 'done').length;
  const rework = report.settled.filter((s) => s.action === 'rework').length;
  return `loop: ${report.issues} task(s) from issues, ${report.dispatched.length} dispatched, ${report.running} running, ${report.ready} ready; ${report.merged} merged, ${done} done, ${rework} rework; ${report.expired} expired lease(s), ${report.reclaimed} resource(s) reclaimed${report.errors.length ? `; ${report.errors.length} error(s): ${report.errors.join('; ')}` : ''}`;
}

function common(y: Argv): Argv {
  return y
    .option('manifest', {
      type: 'string',
      describe: 'manifest file (default $FACTORY_HOME/repos.yaml)',
      requiresArg: true,
    })
    .option('concurrency', {
      type: 'number',
      describe: 'tasks held at once (default loop.concurrency)',
      requiresArg: true,
    })
    .option('claude', {
      type: 'string',
      describe:
        'the claude executable for the workers (default FACTORY_CLAUDE, node_modules/.bin/claude, PATH)',
      requiresArg: true,
    });
}

async function options(args: LoopArgs) {
  const { ExitCode, FactoryError } = await import('@factory/core');
  if (args.concurrency !== undefined && (!Number.isInteger(args.concurrency) || args.concurrency < 1)) {
    throw new FactoryError(
      `--concurrency ${args.concurrency} is not a whole number of at least 1; pass e.g. --concurrency 2.`,
      ExitCode.usage,
    );
  }
  return {
    current: findRepositoryRoot(resolve(args.cwd ?? process.cwd())),
    ...(args.manifest !== undefined ? { manifest: resolve(args.manifest) } : {}),
    ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    ...(args.claude !== undefined ? { claude: resolve(args.claude) } : {}),
    factory: { node: process.execPath, bin: process.argv[1]! },
  };
}

export const loopCommand: CommandModule = {
  command: 'loop <command>',
  describe: 'run work tasks unattended across the manifest: tick (one pass) or run (a long-running loop)',
  builder: (y: Argv) =>
    y
      .command(
        'tick',
        'one pass: recover leases and leaked resources, merge and settle requests, dispatch ready tasks',
        (c: Argv) => common(c),
        async (argv) => {
          const args = argv as unknown as LoopArgs;
          const { loopTick } = await import('@factory/fleet/loop/run-loop');
          const report = await loopTick(await options(args));
          // State on PostgreSQL (FACTORY_STATE_URL or state.url): the team sees what this pass recorded.
          const { manifestAndCurrentRoots, syncTeamAfter } = await import('../team-sync.js');
          const cwd = args.cwd ?? process.cwd();
          await syncTeamAfter(() => manifestAndCurrentRoots(args.manifest, cwd), { cwd });
          if (args.json) printJson(report);
          else printLine(tickLine(report));
          if (report.errors.length > 0) process.exitCode = 1;
        },
      )
      .command(
        'run',
        'tick at the cadence (loop.cadenceSeconds) and whenever a worker ends; --until-idle ends when nothing is ready or running',
        (c: Argv) =>
          common(c).option('until-idle', {
            type: 'boolean',
            describe: 'end (exit 0) once no task is ready or running',
          }),
        async (argv) => {
          const args = argv as unknown as LoopArgs;
          const { loopRun } = await import('@factory/fleet/loop/run-loop');
          // Ships like `loop tick` does, spaced out over a long run and once more at its end.
          const { loopTeamSync, manifestAndCurrentRoots } = await import('../team-sync.js');
          const cwd = args.cwd ?? process.cwd();
          const sync = loopTeamSync(() => manifestAndCurrentRoots(args.manifest, cwd), cwd);
          const result = await loopRun({
            ...(await options(args)),
            untilIdle: Boolean(args['until-idle']),
            onTick: (report) => {
              if (!args.json) printLine(tickLine(report));
            },
            afterTick: sync.afterTick,
            onEnd: sync.onEnd,
          });
          if (args.json) printJson(result);
        },
      )
      .demandCommand(1, 'name a loop command'),
  handler: () => {},
};
