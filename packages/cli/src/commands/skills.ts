import { ExitCode, FactoryError } from '@factory/core';
import { presetSkills, skillsForPreset } from '@factory/gates/skills/shipped';
import { listSkills, type SkillStatus, syncSkills } from '@factory/gates/skills/sync';
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { type GlobalArgs, repositoryRoot } from './eval-support.js';

const stateWords: Record<SkillStatus['state'], string> = {
  missing: 'not installed',
  current: 'up to date',
  stale: 'out of date (sync updates it)',
  edited: 'edited here (sync keeps it; --force replaces it)',
  unmanaged: 'not installed by factory and different (sync keeps it; --force replaces it)',
};

function list(argv: ArgumentsCamelCase<GlobalArgs & { check?: boolean }>): void {
  const root = repositoryRoot(argv);
  const skills = listSkills(root);
  if (argv.json) printJson({ skills });
  else {
    for (const s of skills) printLine(`${s.name.padEnd(22)} ${stateWords[s.state]}`);
  }
  if (
    argv.check &&
    skills.some((s) => s.state === 'stale' || s.state === 'edited' || s.state === 'unmanaged')
  ) {
    process.exitCode = ExitCode.refused;
  }
}

interface SyncArgs extends GlobalArgs {
  names?: string[];
  preset?: string;
  force?: boolean;
  dryRun?: boolean;
}

async function sync(argv: ArgumentsCamelCase<SyncArgs>): Promise<void> {
  const root = repositoryRoot(argv);
  let names: readonly string[] | undefined = argv.names && argv.names.length > 0 ? argv.names : undefined;
  if (argv.preset !== undefined) {
    const fromPreset = skillsForPreset(argv.preset);
    if (!fromPreset)
      throw new FactoryError(messages.presetUnknown(argv.preset, Object.keys(presetSkills)), ExitCode.usage);
    names = [...new Set([...(names ?? []), ...fromPreset])];
  }
  const result = syncSkills({
    repoRoot: root,
    ...(names ? { names } : {}),
    force: argv.force === true,
    dryRun: argv.dryRun === true,
  });
  if (!argv.dryRun && result.changed.length > 0) {
    const { keepSkillsOutOfGit } = await import('@factory/gates/skills/personal');
    await keepSkillsOutOfGit(root, result.changed, []);
  }
  if (argv.json) {
    printJson({ ...result, dryRun: argv.dryRun === true });
    return;
  }
  if (result.skills.length === 0) {
    printLine(messages.skillsNothingInstalled);
    return;
  }
  const verb = argv.dryRun ? 'would be ' : '';
  for (const s of result.skills) {
    const what =
      s.action === 'none'
        ? 'up to date'
        : s.action === 'kept'
          ? `${stateWords[s.state]}`
          : `${verb}${s.action}`;
    printLine(`${s.name.padEnd(22)} ${what}`);
  }
  if (result.drifted.length > 0) printLine(messages.skillsDrifted(result.drifted));
}

export const skillsCommand: CommandModule = {
  command: 'skills <command>',
  describe: 'the skills installed into .claude/skills/',
  builder: (y) =>
    y
      .command(
        'list',
        'list shipped and installed skills and their drift (--check: exit 1 on drift)',
        (c) => c.option('check', { type: 'boolean', describe: 'exit 1 when an installed skill drifted' }),
        (argv) => list(argv as ArgumentsCamelCase<GlobalArgs & { check?: boolean }>),
      )
      .command(
        'sync [names..]',
        'bring installed skills up to date (--force to replace edited ones)',
        (c) =>
          c
            .positional('names', {
              type: 'string',
              array: true,
              describe: 'skills to install or update (default: the installed ones)',
            })
            .option('preset', {
              type: 'string',
              describe: 'install the skills of a preset: base, typescript or python',
            })
            .option('force', { type: 'boolean', describe: 'replace skills that were edited here' })
            .option('dry-run', { type: 'boolean', describe: 'show what would change, write nothing' }),
        (argv) => sync(argv as unknown as ArgumentsCamelCase<SyncArgs>),
      )
      .command(
        'rm <names..>',
        'remove installed skills (--force also removes ones edited here)',
        (c) =>
          c
            .positional('names', { type: 'string', array: true, describe: 'skills to remove' })
            .option('force', { type: 'boolean', describe: 'remove skills that were edited here too' }),
        async (args) => {
          const argv = args as unknown as ArgumentsCamelCase<
            GlobalArgs & { names: string[]; force?: boolean }
          >;
          const root = repositoryRoot(argv);
          const { removeSkills } = await import('@factory/gates/skills/sync');
          const result = removeSkills({ repoRoot: root, names: argv.names, force: argv.force === true });
          const { keepSkillsOutOfGit } = await import('@factory/gates/skills/personal');
          await keepSkillsOutOfGit(root, [], result.removed);
          if (argv.json) printJson(result);
          else {
            for (const name of result.removed) printLine(`${name.padEnd(22)} removed`);
            if (result.kept.length > 0) printLine(messages.skillsRmKept(result.kept));
          }
          if (result.kept.length > 0) process.exitCode = ExitCode.refused;
        },
      )
      .demandCommand(1, 'name a skills command'),
  handler: () => {},
};
