import { ExitCode, FactoryError } from '@factory/core';
import { messages } from '../messages.js';

/** The handler of a command whose capability has not shipped yet: a plain refusal with exit 2. */
export function notAvailable(command: string): () => never {
  return () => {
    throw new FactoryError(messages.notAvailable(command), ExitCode.usage);
  };
}
