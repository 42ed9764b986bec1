import type { CommandModule } from 'yargs';
import { printJson, printLine } from '../output.js';

interface UninstallArgs {
  team?: boolean;
  'dry-run'?: boolean;
  'remove-state'?: boolean;
  json?: boolean;
  cwd?: string;
}

export const uninstallCommand: CommandModule<object, UninstallArgs> = {
  command: 'uninstall',
  describe:
    'undo what factory init changed in this repository (and its worktrees), restoring what it replaced; prints the plan',
  builder: (y) =>
    y
      .option('team', {
        type: 'boolean',
        describe: 'also remove the committed part of a team setup (then commit the removal)',
      })
      .option('dry-run', { type: 'boolean', describe: 'print what would change, change nothing' })
      .option('remove-state', {
        type: 'boolean',
        describe: 'also delete the state store (.factory/: tasks, gate runs, guard decisions)',
      }),
  handler: async (argv) => {
    const { planUninstall, applyUninstall, describeUninstall } = await import(
      '@factory/gates/install/uninstall'
    );
    const plan = await planUninstall({
      cwd: argv.cwd ?? process.cwd(),
      team: argv.team ?? false,
      removeState: argv['remove-state'] ?? false,
    });
    const lines = describeUninstall(plan);
    if (!argv['dry-run']) applyUninstall(plan);
    if (argv.json) {
      printJson({ root: plan.root, dryRun: argv['dry-run'] ?? false, changes: lines, notes: plan.notes });
      return;
    }
    printLine(
      argv['dry-run']
        ? `factory uninstall (dry run) in ${plan.root}:`
        : `factory uninstalled from ${plan.root}:`,
    );
    for (const line of lines.length > 0 ? lines : ['nothing to change']) printLine(`  ${line}`);
    for (const note of plan.notes) printLine(`  note: ${note}`);
  },
};
