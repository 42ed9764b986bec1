import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';
import { openState, repositoryRoot, repositoryWorkflows, type StateArgs } from '../state-context.js';

interface WorkArgs extends StateArgs {
  readonly task?: string;
  readonly claude?: string;
  readonly owner?: string;
  readonly manifest?: string;
  readonly debug?: boolean;
}

export const workCommand: CommandModule = {
  command: 'work [task]',
  describe:
    'carry a work task (or the next ready one) to review: worktrees, a Claude Code session, push, pull/merge requests',
  builder: (y) =>
    y
      .positional('task', {
        type: 'string',
        describe: 'the task (number or key); default the next ready one',
      })
      .option('claude', {
        type: 'string',
        describe: 'the claude executable (default FACTORY_CLAUDE, node_modules/.bin/claude, then PATH)',
        requiresArg: true,
      })
      .option('owner', {
        type: 'string',
        describe: 'the lease owner (default work:HOST:PID)',
        requiresArg: true,
      })
      .option('manifest', {
        type: 'string',
        describe: 'manifest file (default $FACTORY_HOME/repos.yaml)',
        requiresArg: true,
      }),
  handler: async (argv) => {
    const args = argv as unknown as WorkArgs;
    const { runWork } = await import('@factory/fleet/loop/run-work');
    const root = repositoryRoot(args);
    const state = openState(root, await repositoryWorkflows(root));
    try {
      const outcome = await runWork({
        state,
        ...(args.task !== undefined ? { task: String(args.task) } : {}),
        ...(args.claude !== undefined ? { claude: args.claude } : {}),
        ...(args.owner !== undefined ? { owner: args.owner } : {}),
        ...(args.manifest !== undefined ? { manifest: resolve(args.manifest) } : {}),
      });
      if (args.json) printJson(outcome);
      else if (outcome.kind === 'submitted') {
        printLine(`task #${outcome.taskId}: ${outcome.state}; ${outcome.reason}`);
      } else if (outcome.kind !== 'idle' && outcome.reason) {
        process.stderr.write(`factory: task #${outcome.taskId} ${outcome.state ?? ''}: ${outcome.reason}.\n`);
      } else if (outcome.reason) process.stderr.write(`factory: ${outcome.reason}\n`);
      process.exitCode = outcome.exitCode;
    } finally {
      state.close();
    }
  },
};
