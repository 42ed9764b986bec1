import { ExitCode, FactoryError } from '@factory/core/errors';
import type { CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';

interface CiInitArgs {
  github?: boolean;
  gitlab?: boolean;
  'dry-run'?: boolean;
  command?: string;
  branch?: string;
  json?: boolean;
  cwd?: string;
}

/** The branch whose pushes the workflow judges: origin's HEAD, else the current branch, else main. */
async function defaultBranch(root: string): Promise<string> {
  const { spawnSync } = await import('node:child_process');
  const ask = (args: string[]) => {
    const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : '';
  };
  const remoteHead = ask(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (remoteHead.startsWith('origin/')) return remoteHead.slice('origin/'.length);
  return ask(['symbolic-ref', '--quiet', '--short', 'HEAD']) || 'main';
}

export const ciCommand: CommandModule = {
  command: 'ci <command>',
  describe: 'run the gates server-side: write the CI job that runs factory gate ci on every pull request',
  builder: (y) =>
    y
      .command<CiInitArgs>(
        'init',
        'write a GitHub Actions workflow and/or a GitLab CI job running factory gate ci (both without a flag)',
        (b) =>
          b
            .option('github', { type: 'boolean', describe: `write .github/workflows/factory.yml` })
            .option('gitlab', { type: 'boolean', describe: 'add the factory-gates job to .gitlab-ci.yml' })
            .option('dry-run', { type: 'boolean', describe: 'print what would be written, write nothing' })
            .option('command', {
              type: 'string',
              requiresArg: true,
              describe: 'how the job starts factory (default: found from package.json), e.g. "npx factory"',
            })
            .option('branch', {
              type: 'string',
              requiresArg: true,
              describe: "the branch whose pushes are judged too (default: origin's HEAD)",
            })
            .option('json', { type: 'boolean', describe: 'print the changes as one JSON document' }),
        async (argv) => {
          const { findRepositoryRoot } = await import('@factory/core/paths');
          const cwd = argv.cwd ?? process.cwd();
          const root = findRepositoryRoot(cwd);
          if (!root) throw new FactoryError(messages.ciNotInRepository(cwd), ExitCode.usage);
          const { planCiFiles, writeCiFiles } = await import('@factory/gates/install/ci-files');
          const { cliVersion } = await import('../version.js');
          const changes = planCiFiles({
            root,
            github: argv.github === true,
            gitlab: argv.gitlab === true,
            version: cliVersion(),
            defaultBranch: argv.branch ?? (await defaultBranch(root)),
            ...(argv.command ? { factoryCommand: argv.command } : {}),
          });
          const dryRun = argv['dry-run'] === true;
          if (!dryRun) writeCiFiles(root, changes);
          if (argv.json) {
            printJson({
              dryRun,
              changes: changes.map(({ file, action, content }) => ({ file, action, content })),
            });
            return;
          }
          for (const change of changes) {
            const verb =
              change.action === 'unchanged'
                ? 'unchanged'
                : dryRun
                  ? `would ${change.action}`
                  : change.action === 'create'
                    ? 'created'
                    : 'updated';
            printLine(`${verb}  ${change.file}`);
            if (dryRun && change.action !== 'unchanged') {
              printLine(change.content.replace(/^/gm, '    ').trimEnd());
            }
          }
          if (!dryRun) printLine(messages.ciInitDone);
        },
      )
      .demandCommand(1, 'name a ci command: init'),
  handler: () => {},
};
