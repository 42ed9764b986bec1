import { ExitCode, FactoryError } from '@factory/core';
import yargs from 'yargs';
import { commands } from './commands/index.js';
import { messages } from './messages.js';
import { reportError } from './output.js';
import { cliVersion } from './version.js';

/** The full CLI (yargs): every command but the hook fast path comes through here. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  stopQuietlyOnClosedPipe();
  const parser = yargs([...argv])
    .scriptName('factory')
    .usage(
      '$0 <command> [options]\n\nGates, guard, skills, evals and durable workflow state for agent-written code.',
    )
    .option('json', {
      type: 'boolean',
      describe: 'print one JSON document on stdout and nothing else',
      global: true,
    })
    .option('debug', { type: 'boolean', describe: 'print stack traces with errors', global: true })
    .option('cwd', { type: 'string', describe: 'run as if started in DIR', global: true, requiresArg: true })
    .command(commands)
    .demandCommand(1, 'name a command')
    .strict()
    .recommendCommands()
    .version(cliVersion())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .middleware(rejectNaN(argv))
    .fail((message, error) => {
      if (error) throw error;
      throw new FactoryError(usageMessage(message ?? 'invalid usage', argv), ExitCode.usage);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return reportError(error, debug);
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : 0;
}

/** yargs' own sentence made actionable: what was unknown, and what to do instead. */
function usageMessage(message: string, argv: readonly string[]): string {
  const suggestion = /^Did you mean (.+)\?$/.exec(message.trim());
  if (suggestion) {
    const unknown = argv.find((word) => !word.startsWith('-')) ?? '';
    return messages.unknownCommandSuggest(unknown, suggestion[1] ?? '');
  }
  const unknownArgument = /^Unknown arguments?: (.+)$/.exec(message.trim());
  if (
    unknownArgument &&
    argv[0] === 'guard' &&
    (argv[1] === 'explain' || argv[1] === 'check') &&
    !argv.includes('--')
  ) {
    const options = (unknownArgument[1] ?? '')
      .split(', ')
      .map((name) => (name.startsWith('-') ? name : `${name.length === 1 ? '-' : '--'}${name}`));
    return messages.guardExplainNeedsDashes(options.join(', '), argv.slice(2).join(' '));
  }
  return messages.usage(message);
}

/**
 * A number option given something else (`--limit abc`) reaches yargs as NaN: one sentence and exit 2,
 * before a command turns it into an internal error or a NaN in a query.
 */
function rejectNaN(raw: readonly string[]) {
  return (parsed: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'number' || !Number.isNaN(value)) continue;
      if (/[A-Z]/.test(key)) continue; // yargs' camel-case alias of a dashed option: reported once
      const index = raw.findIndex((word) => word === `--${key}` || word.startsWith(`--${key}=`));
      const given =
        index === -1
          ? ''
          : raw[index]?.includes('=')
            ? raw[index]?.split('=').slice(1).join('=')
            : raw[index + 1];
      throw new FactoryError(messages.notANumber(`--${key}`, given ?? ''), ExitCode.usage);
    }
  };
}

/**
 * `factory task list | head`: the reader went away. That is not an error of ours, so end quietly with
 * the exit code so far instead of crashing with an unhandled EPIPE.
 */
function stopQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}
