import { validate as validateGuard } from './generated/validate-guard.js';
import { type CompiledValidator, firstProblem } from './problems.js';

/**
 * One section of the config checked by the same schema as the whole (the build precompiles the section's
 * fragment on its own): for the guard, which runs on every tool call and needs only its section. The
 * whole validator is about 280 KB of code to load; the guard section's is a small fraction of it.
 * Fills in the section's defaults; returns the first problem (`guard.unanalysable must be one of ...`).
 */
export function guardSectionProblem(document: { guard?: unknown }): string | undefined {
  const problem = firstProblem(validateGuard as CompiledValidator, document);
  return problem ? `${problem.path} ${problem.expected}` : undefined;
}
