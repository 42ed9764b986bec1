import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { validate } from './generated/validate-config.js';
import { type CompiledValidator, firstProblem } from './problems.js';

export { configSchemaPath, displayPath } from './problems.js';

/**
 * The one config validator: precompiled at build time from the schema fragments (ajv standalone code), so
 * nothing is compiled at run time. The guard's hot path does not load it on every call: it validates the
 * whole config with it once per config change and keeps the result (gates/guard/config.ts).
 */
/**
 * Validates `data` in place: the schema's defaults are filled in. Throws a FactoryError that names the
 * file, the path inside it and what was expected.
 */
export function validateConfigData(data: unknown, file: string): void {
  const problem = firstProblem(validate as CompiledValidator, data);
  if (problem)
    throw new FactoryError(messages.configInvalid(file, problem.path, problem.expected), ExitCode.usage);
}
