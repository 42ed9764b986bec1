import { resolve } from 'node:path';
import { ExitCode, FactoryError, findRepositoryRoot } from '@factory/core';
import type { CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { currentStateLocation, type StateArgs } from '../state-context.js';

interface StateSyncArgs extends StateArgs {
  readonly all?: boolean;
  readonly manifest?: string;
}

export const stateCommand: CommandModule = {
  command: 'state <command>',
  describe:
    "the workflow state: sync copies gate runs, guard decisions, review records and sweeps to the team's PostgreSQL",
  builder: (y) =>
    y
      .command(
        'sync',
        "copy this repository's gate runs, guard decisions, pull-request snapshots and review decisions, and the sweep history, to FACTORY_STATE_URL (idempotent)",
        (c) =>
          c
            .option('all', { type: 'boolean', describe: 'every repository of the manifest too' })
            .option('manifest', {
              type: 'string',
              describe: 'with --all: the manifest (default $FACTORY_HOME/repos.yaml)',
              requiresArg: true,
            }),
        async (argv) => {
          const args = argv as unknown as StateSyncArgs;
          const cwd = resolve(args.cwd ?? process.cwd());
          const current = findRepositoryRoot(cwd);
          const location = await currentStateLocation(cwd);
          if (!location.url) throw new FactoryError(messages.stateSyncNoUrl, ExitCode.usage);
          const { manifestAndCurrentRoots, syncTeam } = await import('../team-sync.js');
          const roots = args.all
            ? await manifestAndCurrentRoots(args.manifest, cwd)
            : current
              ? [current]
              : [];
          const report = await syncTeam(location.url, roots);
          if (args.json) {
            printJson(report);
            return;
          }
          for (const r of report.repositories) {
            printLine(
              r.note
                ? `${r.repository}: ${r.note}`
                : `${r.repository}: ${r.gateRuns} gate run(s), ${r.guardDecisions} guard decision(s), ${r.snapshots} pull-request snapshot(s), ${r.reviewDecisions} review decision(s) shipped`,
            );
          }
          printLine(
            `sweep history: ${report.sweeps} sweep(s), ${report.sweepResults} result(s) shipped to ${report.url}`,
          );
        },
      )
      .demandCommand(1, 'name a state command'),
  handler: () => {},
};
