import { ExitCode, FactoryError } from '@factory/core';
import { addMemory, listMemory, removeMemory } from '@factory/core/state/memory';
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { asList, type GlobalArgs, repositoryRoot, withState } from './eval-support.js';

interface AddArgs extends GlobalArgs {
  text: string;
  tag?: string | string[];
  paths?: string | string[];
}

function add(argv: ArgumentsCamelCase<AddArgs>): void {
  const root = repositoryRoot(argv);
  const entry = withState(root, (store) =>
    addMemory(store, { text: argv.text, tags: asList(argv.tag), paths: asList(argv.paths) }),
  );
  if (argv.json) printJson(entry);
  else printLine(messages.memoryAdded(entry.id));
}

function list(argv: ArgumentsCamelCase<GlobalArgs>): void {
  const root = repositoryRoot(argv);
  const entries = withState(root, (store) => listMemory(store));
  if (argv.json) {
    printJson({ entries });
    return;
  }
  if (entries.length === 0) {
    printLine(messages.memoryNone);
    return;
  }
  for (const e of entries) {
    const tags = e.tags.length > 0 ? `  #${e.tags.join(' #')}` : '';
    const paths = e.paths.length > 0 ? `  paths: ${e.paths.join(', ')}` : '';
    printLine(`${String(e.id).padStart(4)}  ${e.text}${tags}${paths}  (used ${e.uses}x)`);
  }
}

function rm(argv: ArgumentsCamelCase<GlobalArgs & { id: string }>): void {
  const id = Number(argv.id);
  if (!Number.isInteger(id) || id <= 0) throw new FactoryError(messages.memoryBadId(argv.id), ExitCode.usage);
  const root = repositoryRoot(argv);
  const entry = withState(root, (store) => removeMemory(store, id));
  if (argv.json) printJson(entry);
  else printLine(messages.memoryRemoved(entry.id));
}

export const memoryCommand: CommandModule = {
  command: 'memory <command>',
  describe: "the project's memory that the hooks add to the agent's context",
  builder: (y) =>
    y
      .command(
        'add <text>',
        'remember something (--tag T, --paths GLOB)',
        (c) =>
          c
            .positional('text', { type: 'string', demandOption: true })
            .option('tag', {
              type: 'string',
              array: true,
              describe: 'a word that makes a prompt match this entry (repeatable)',
            })
            .option('paths', {
              type: 'string',
              array: true,
              describe: 'globs of the files this entry is about (repeatable)',
            }),
        (argv) => add(argv as unknown as ArgumentsCamelCase<AddArgs>),
      )
      .command('list', 'list memory entries', {}, (argv) => list(argv as ArgumentsCamelCase<GlobalArgs>))
      .command(
        'rm <id>',
        'forget an entry',
        (c) => c.positional('id', { type: 'string', demandOption: true }),
        (argv) => rm(argv as unknown as ArgumentsCamelCase<GlobalArgs & { id: string }>),
      )
      .demandCommand(1, 'name a memory command'),
  handler: () => {},
};
