import { ExitCode, FactoryError } from '@factory/core/errors';
import { gatesMessages } from '@factory/gates';
import type { InitPlan } from '@factory/gates/install/init';
import type { CommandModule } from 'yargs';
import { factoryBinPath } from '../bin-path.js';
import { printJson, printLine } from '../output.js';

interface InitArgs {
  preset?: string;
  yes?: boolean;
  'dry-run'?: boolean;
  force?: boolean;
  team?: boolean;
  personal?: boolean;
  json?: boolean;
  cwd?: string;
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init',
  describe:
    'install the gates (git hooks), the guard (Claude Code hooks), skills, config and state in this repository',
  builder: (y) =>
    y
      .option('preset', {
        type: 'string',
        describe: 'preset to start from: base, typescript or python (detected when absent)',
      })
      .option('yes', { type: 'boolean', alias: 'y', describe: 'do not ask before writing' })
      .option('dry-run', {
        type: 'boolean',
        describe: 'list every file that would be written or changed, write nothing',
      })
      .option('force', {
        type: 'boolean',
        describe: 'go on when another hook manager cannot be kept running (its hooks are listed)',
      })
      .option('team', {
        type: 'boolean',
        describe: 'install as committed files so that every clone is gated',
      })
      .option('personal', {
        type: 'boolean',
        describe: 'install for this clone only, nothing to commit (the default; converts a team setup back)',
      })
      .conflicts('team', 'personal'),
  handler: async (argv) => {
    const { planInit, applyInit, describePlan } = await import('@factory/gates/install/init');
    const cwd = argv.cwd ?? process.cwd();
    const plan = await planInit({
      cwd,
      ...(argv.preset ? { preset: argv.preset } : {}),
      ...(argv.team ? { mode: 'team' as const } : argv.personal ? { mode: 'personal' as const } : {}),
      force: argv.force ?? false,
      nodePath: process.execPath,
      binPath: factoryBinPath(),
    });
    const changes = describePlan(plan);
    if (argv['dry-run']) {
      if (argv.json) {
        printJson(planSummary(plan, changes));
        return;
      }
      printLine(`factory init (dry run) in ${plan.root}, ${plan.mode} mode, preset ${plan.preset}:`);
      for (const line of changes.length > 0 ? changes : ['nothing to change']) printLine(`  ${line}`);
      for (const hook of plan.chained) printLine(`  keeps running: ${hook}`);
      for (const note of plan.notes) printLine(`  note: ${note}`);
      return;
    }
    if (changes.length > 0 && !argv.yes) {
      if (!process.stdin.isTTY) throw new FactoryError(gatesMessages.initNeedsYes, ExitCode.usage);
      process.stderr.write(
        `factory init will, in ${plan.root} (${plan.mode} mode, preset ${plan.preset}):\n`,
      );
      for (const line of changes) process.stderr.write(`  ${line}\n`);
      if (!(await confirm('Proceed? [y/N] ')))
        throw new FactoryError(gatesMessages.initCancelled, ExitCode.refused);
    }
    await applyInit(plan);
    // Worktrees made before init get the same set-up (later ones get it from the post-checkout hook).
    const worktrees: string[] = [];
    if (plan.mode === 'personal' && !plan.linked) {
      const { linkedWorktrees } = await import('@factory/gates/install/repo');
      for (const top of await linkedWorktrees(plan.root)) {
        const tree = await planInit({
          cwd: top,
          mode: plan.mode,
          nodePath: plan.nodePath,
          binPath: plan.binPath,
        });
        if (describePlan(tree).length > 0) {
          await applyInit(tree);
          worktrees.push(top);
        }
      }
    }
    // What init cannot fix by itself (HUSKY=0 in this shell, a manager left dormant with --force) is said now,
    // not discovered later by a commit that went through ungated.
    const { runDoctor } = await import('@factory/gates/doctor/doctor');
    // Missing tools are in the plan's notes already.
    const problems = (await runDoctor(plan.root)).filter((problem) => problem.id !== 'toolMissing');
    if (argv.json) {
      printJson({ ...planSummary(plan, changes), problems });
      return;
    }
    printLine(
      changes.length === 0
        ? `factory is already installed in ${plan.root} (${plan.mode} mode); nothing changed.`
        : `factory installed in ${plan.root} (${plan.mode} mode, preset ${plan.preset}):`,
    );
    for (const line of changes) printLine(`  ${line}`);
    for (const top of worktrees) printLine(`  set up worktree ${top}`);
    for (const hook of plan.chained) printLine(`  keeps running: ${hook}`);
    for (const note of plan.notes) printLine(`  note: ${note}`);
    for (const problem of problems)
      process.stderr.write(`factory: warning: ${problem.problem}; fix: ${problem.fix}\n`);
  },
};

/** What `--json` says of a plan, dry run or done. */
function planSummary(plan: InitPlan, changes: readonly string[]) {
  return {
    root: plan.root,
    mode: plan.mode,
    preset: plan.preset,
    changes,
    chained: plan.chained,
    notes: plan.notes,
  };
}
