import { isFactoryError } from '@factory/core/errors';
import { messages } from './messages.js';

/** `--json`: exactly one JSON document on stdout and nothing else. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Reports an error the contract's way: one sentence on stderr (the stack only with --debug) and the exit
 * code: the FactoryError's own, 2 for anything unexpected.
 */
export function reportError(error: unknown, debug: boolean): number {
  if (isFactoryError(error)) {
    process.stderr.write(`factory: ${error.message}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`factory: ${messages.internalError(reason)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 2;
}
