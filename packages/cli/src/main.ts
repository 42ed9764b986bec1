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
    .middleware((parsed) => refuseNotANumber(parsed, argv), true)
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new FactoryError(messages.usage(message ?? 'invalid usage'), ExitCode.usage);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return reportError(error, debug);
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : 0;
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

/**
 * yargs turns `--limit abc` into NaN for a number option and lets the command run with it: refuse it
 * here, once for every command, naming the value as the user typed it.
 */
function refuseNotANumber(parsed: Record<string, unknown>, argv: readonly string[]): void {
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'number' || !Number.isNaN(value) || name.includes('-')) continue;
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const at = argv.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
    const raw =
      at < 0 ? 'NaN' : argv[at]!.includes('=') ? argv[at]!.slice(flag.length + 1) : (argv[at + 1] ?? '');
    throw new FactoryError(messages.notANumber(flag, raw), ExitCode.usage);
  }
}
