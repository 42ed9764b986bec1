import { isFactoryError } from '@factory/core';
import { ForgeHttpError, ForgeTimeoutError } from '../forge/types.js';

/**
 * One line for a failure inside one repository. Only our own messages and a forge's status and short
 * message reach it: never a request's headers, so never a token.
 */
export function describeError(error: unknown): string {
  if (isFactoryError(error)) return error.message;
  if (error instanceof ForgeTimeoutError) return error.detail;
  if (error instanceof ForgeHttpError) return `forge request failed (${error.status}: ${error.detail})`;
  if (error instanceof Error) return error.message.split('\n')[0]!.slice(0, 300);
  return String(error).slice(0, 300);
}
