/**
 * Exit codes of the command contract: 0 success, 1 a check or policy said no,
 * 2 a usage, configuration or environment error.
 */
export const ExitCode = {
  ok: 0,
  refused: 1,
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error meant for the user: its message is one sentence that says what is wrong and how to fix it.
 * The CLI prints only the message (the stack only with --debug) and exits with `exitCode`.
 */
/**
 * Marks every FactoryError, whichever copy of this module made it: the git gates run from a bundle that
 * carries its own copy, and `instanceof` alone would not recognise its errors.
 */
const factoryErrorBrand = Symbol.for('factory.FactoryError');

export class FactoryError extends Error {
  readonly exitCode: ExitCode;
  readonly [factoryErrorBrand] = true;
  constructor(message: string, exitCode: ExitCode = ExitCode.usage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FactoryError';
    this.exitCode = exitCode;
  }
}

export function isFactoryError(error: unknown): error is FactoryError {
  return (
    error instanceof FactoryError ||
    (error instanceof Error && (error as unknown as Record<symbol, unknown>)[factoryErrorBrand] === true)
  );
}
