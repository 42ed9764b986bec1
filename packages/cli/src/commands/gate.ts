import { ExitCode, FactoryError } from '@factory/core/errors';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

/**
 * `factory gate pre-commit|pre-push|commit-msg` are answered by the fast path (fast-path.ts) before yargs
 * loads; they are registered here for help and for a call that reaches yargs anyway (e.g. with --cwd).
 */
async function runGateHere(gate: string, args: readonly string[], cwd: string | undefined): Promise<void> {
  const { runGate } = await import('@factory/gates/gate/run');
  const { readFileSync } = await import('node:fs');
  const code = await runGate({
    gate,
    args,
    cwd: cwd ?? process.cwd(),
    env: process.env,
    readStdin: () => readFileSync(0, 'utf8'),
  });
  process.exitCode = code;
}

interface HistoryArgs {
  json?: boolean;
  cwd?: string;
  limit?: number;
}

export const gateCommand: CommandModule = {
  command: 'gate <command>',
  describe: 'run a git gate (what the git hooks call), or list past gate runs',
  builder: (y) =>
    y
      .command(
        'pre-commit',
        'check the staged changes: secrets, conflict markers, large files, forbidden paths, configured tasks',
        {},
        async (argv) => runGateHere('pre-commit', [], argv.cwd as string | undefined),
      )
      .command(
        'pre-push [remote] [url]',
        'scan the pushed commits for secrets and run the configured commands (reads the refs on stdin)',
        {},
        async (argv) =>
          runGateHere(
            'pre-push',
            [String(argv.remote ?? 'origin'), String(argv.url ?? '')],
            argv.cwd as string | undefined,
          ),
      )
      .command(
        'commit-msg <file>',
        'check the commit message against gates.commitMsg.pattern',
        {},
        async (argv) => runGateHere('commit-msg', [String(argv.file ?? '')], argv.cwd as string | undefined),
      )
      .command(
        'history',
        'list past gate runs, newest first',
        { limit: { type: 'number', default: 50, describe: 'how many runs to list' } },
        async (args) => {
          const argv = args as HistoryArgs;
          const { findRepositoryRoot, stateDbPath } = await import('@factory/core/paths');
          const cwd = argv.cwd ?? process.cwd();
          const root = findRepositoryRoot(cwd);
          if (!root) {
            const { coreMessages } = await import('@factory/core');
            throw new FactoryError(coreMessages.notInRepository(cwd), ExitCode.usage);
          }
          const { StateStore } = await import('@factory/core/state/store');
          const { listGateRuns } = await import('@factory/gates/state/gate-runs');
          const { existsSync } = await import('node:fs');
          const runs = existsSync(stateDbPath(root))
            ? (() => {
                const store = StateStore.open({ path: stateDbPath(root), readOnly: true });
                try {
                  return listGateRuns(store, { limit: argv.limit ?? 50 });
                } finally {
                  store.close();
                }
              })()
            : [];
          if (argv.json) {
            printJson(
              runs.map((run) => ({
                gate: run.gate,
                status: run.status,
                durationMs: run.durationMs,
                startedAt: run.startedAt,
                ...(run.sha ? { sha: run.sha } : {}),
                ...(run.skipped.length > 0 ? { skipped: run.skipped, skipReason: run.skipReason } : {}),
                checks: run.checks,
              })),
            );
            return;
          }
          if (runs.length === 0) {
            printLine('no gate runs recorded yet.');
            return;
          }
          for (const run of runs) {
            const skipped =
              run.skipped.length > 0 ? `  skipped ${run.skipped.join(',')}: ${run.skipReason}` : '';
            const sha = run.sha ? `  ${run.sha.slice(0, 10)}` : '';
            const failedChecks = run.checks.filter((check) => check.status === 'failed');
            const failed =
              failedChecks.length > 0
                ? `  failed: ${failedChecks.map((c) => (c.findings ? `${c.name} (${c.findings} finding${c.findings === 1 ? '' : 's'})` : c.name)).join(', ')}`
                : '';
            printLine(
              `${run.startedAt}  ${run.gate.padEnd(10)} ${run.status.padEnd(11)} ${String(run.durationMs).padStart(6)} ms${sha}${failed}${skipped}`,
            );
          }
        },
      )
      .demandCommand(1, 'name a gate'),
  handler: () => {},
};
