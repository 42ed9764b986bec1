import {
  findRecurringRefusals,
  memoryAboutRefusal,
  type RecurringRefusal,
} from '@factory/agent/eval/recurring';
import { ExitCode, FactoryError } from '@factory/core';
import type { StateStore } from '@factory/core/state/store';
import { listGuardDecisions } from '@factory/gates/state/guard-decisions';
import { addMemory, listMemory, removeMemory } from '@factory/gates/state/memory';
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { asList, type GlobalArgs, repositoryRoot, withState } from './eval-support.js';

interface AddArgs extends GlobalArgs {
  text: string;
  tag?: string | string[];
  paths?: string | string[];
}

/** The guard's refusals of the last 30 days that keep coming back. */
function recurring(store: StateStore): RecurringRefusal[] {
  const since = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  return findRecurringRefusals(listGuardDecisions(store, { limit: 5000 }), { since });
}

function printRecurring(found: readonly RecurringRefusal[]): void {
  if (found.length === 0) return;
  printLine();
  printLine(messages.memoryRecurringHeading);
  for (const r of found) {
    printLine(`  rule ${r.rule}: ${r.count}x in ${r.sessions} session(s), last ${r.lastAt}: ${r.example}`);
    printLine(`    proposal: ${r.proposal.text}`);
    for (const line of r.proposal.scenario.split('\n')) printLine(`      ${line}`);
  }
}

function add(argv: ArgumentsCamelCase<AddArgs>): void {
  const root = repositoryRoot(argv);
  const { entry, about } = withState(root, (store) => {
    const entry = addMemory(store, { text: argv.text, tags: asList(argv.tag), paths: asList(argv.paths) });
    return { entry, about: memoryAboutRefusal(entry.text, recurring(store)) };
  });
  if (argv.json) printJson({ ...entry, ...(about ? { recurringRefusal: about } : {}) });
  else {
    printLine(messages.memoryAdded(entry.id));
    // The guard already tells the agent this, every time: a memory entry will not change that.
    if (about) {
      printLine(messages.memoryDuplicatesGuard(about.rule, about.count, about.proposal.kind));
      printRecurring([about]);
    }
  }
}

function list(argv: ArgumentsCamelCase<GlobalArgs>): void {
  const root = repositoryRoot(argv);
  const { entries, found } = withState(root, (store) => ({
    entries: listMemory(store),
    found: recurring(store),
  }));
  if (argv.json) {
    printJson({ entries, recurringRefusals: found });
    return;
  }
  if (entries.length === 0) printLine(messages.memoryNone);
  for (const e of entries) {
    const tags = e.tags.length > 0 ? `  #${e.tags.join(' #')}` : '';
    const paths = e.paths.length > 0 ? `  paths: ${e.paths.join(', ')}` : '';
    printLine(`${String(e.id).padStart(4)}  ${e.text}${tags}${paths}  (used ${e.uses}x)`);
  }
  printRecurring(found);
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
