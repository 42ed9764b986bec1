import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, FactoryError, findRepositoryRoot, isDirectory } from '@factory/core';
import { messages as fleetMessages } from '@factory/fleet/messages';
import type { Argv, CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';

interface ReposArgs {
  manifest?: string;
  json?: boolean;
  cwd?: string;
  path?: string;
  tag?: string[];
  url?: string;
  forge?: 'github' | 'gitlab';
  project?: string;
}

/** A folder that is not the top of a git working tree (`.git` folder or file) is not a repository to sweep. */
function refuseNonRepository(path: string): void {
  if (existsSync(join(path, '.git'))) return;
  const top = findRepositoryRoot(path);
  throw new FactoryError(
    top ? messages.repoInsideRepository(path, top) : messages.repoNotARepository(path),
    ExitCode.usage,
  );
}

async function manifestFile(args: ReposArgs): Promise<string> {
  const { defaultManifestPath } = await import('@factory/fleet/manifest/manifest');
  return args.manifest ? resolve(args.manifest) : defaultManifestPath();
}

const withManifest = (y: Argv) =>
  y.option('manifest', { type: 'string', describe: 'manifest file (default $FACTORY_HOME/repos.yaml)' });

export const reposCommand: CommandModule = {
  command: 'repos <command>',
  describe: 'the manifest of repositories that sweep and review cover',
  builder: (y) =>
    y
      .command(
        'add <path>',
        'add a repository (--tag T)',
        (a) =>
          withManifest(a)
            .positional('path', { type: 'string', describe: 'the working tree' })
            .option('tag', { type: 'string', array: true, describe: 'a tag for --only (repeatable)' })
            .option('url', { type: 'string', describe: 'clone URL, used when the path is missing' })
            .option('forge', { choices: ['github', 'gitlab'] as const, describe: 'default: from the remote' })
            .option('project', {
              type: 'string',
              describe: 'owner/name on the forge (default: from the remote)',
            }),
        async (argv) => {
          const args = argv as unknown as ReposArgs;
          const { addRepository } = await import('@factory/fleet/manifest/manifest');
          const path = resolve(args.cwd ?? process.cwd(), args.path!);
          // The sweep clones a path that is missing (when --url says from where); a path that exists
          // must be the top of a working tree, or every sweep would fail on it.
          if (isDirectory(path)) refuseNonRepository(path);
          else if (!args.url) throw new FactoryError(messages.repoNotAFolder(path), ExitCode.usage);
          const file = await manifestFile(args);
          const added = addRepository(file, {
            path,
            tags: args.tag ?? [],
            ...(args.url ? { url: args.url } : {}),
            ...(args.forge ? { forge: args.forge } : {}),
            ...(args.project ? { project: args.project } : {}),
          });
          if (args.json) printJson({ manifest: file, path, added });
          else printLine(added ? messages.repoAdded(path) : messages.repoAlreadyListed(path));
        },
      )
      .command(
        'list',
        'list the repositories',
        (a) => withManifest(a),
        async (argv) => {
          const args = argv as unknown as ReposArgs;
          const { loadManifest } = await import('@factory/fleet/manifest/manifest');
          const file = await manifestFile(args);
          const manifest = loadManifest(file);
          if (args.json) {
            printJson({
              manifest: file,
              repositories: manifest.repositories.map((repo) => ({
                path: repo.path,
                name: repo.name,
                url: repo.url ?? null,
                forge: repo.forge ?? null,
                project: repo.project ?? null,
                defaultBranch: repo.defaultBranch ?? null,
                tags: repo.tags,
              })),
            });
            return;
          }
          if (manifest.repositories.length === 0) {
            printLine(fleetMessages.manifestEmpty(file));
            return;
          }
          for (const repo of manifest.repositories) {
            const tags = repo.tags.length ? `  [${repo.tags.join(', ')}]` : '';
            printLine(`${repo.name}  ${repo.path}${tags}`);
          }
        },
      )
      .command(
        'rm <path>',
        'remove a repository',
        (a) => withManifest(a).positional('path', { type: 'string' }),
        async (argv) => {
          const args = argv as unknown as ReposArgs;
          const { removeRepository } = await import('@factory/fleet/manifest/manifest');
          const file = await manifestFile(args);
          const path = args.path!;
          const removed =
            removeRepository(file, path) || removeRepository(file, resolve(args.cwd ?? process.cwd(), path));
          if (!removed) throw new FactoryError(messages.repoNotListed(path, file), ExitCode.usage);
          if (args.json) printJson({ manifest: file, path, removed });
          else printLine(messages.repoRemoved(path));
        },
      )
      .demandCommand(1, 'name a repos command'),
  handler: () => {},
};
