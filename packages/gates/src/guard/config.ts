import { readFileSync } from 'node:fs';
import { findConfigFile } from '@factory/core/config/find';
import { packageJsonKey } from '@factory/core/config/places';
import { guardSectionProblem } from '@factory/core/config/validate-section';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { findRepositoryRoot } from '@factory/core/paths';
import { messages } from '../messages.js';
import { presetNames } from './custom-rules.js';
import { defaultGuardConfig, type GuardConfig, type UserRule } from './policy.js';

/**
 * The guard's section of the factory config, read on the hook's hot path.
 *
 * The schema fragment packages/core/src/config/schema/guard.schema.json is the source of truth and core's
 * precompiled validator checks it; the converter below turns the section into a GuardConfig and checks
 * what a JSON schema cannot (that each regular expression compiles).
 */

export interface LoadedGuardConfig {
  readonly config: GuardConfig;
  /** The file it came from; undefined when the defaults apply. */
  readonly file?: string | undefined;
}

class ConfigProblem extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What a JSON schema cannot check: that a regular expression of a rule compiles. */
function checkRegex(value: string | undefined, path: string): void {
  if (value === undefined) return;
  try {
    new RegExp(value);
  } catch {
    throw new ConfigProblem(`${path} must be a valid regular expression`);
  }
}

/**
 * Validates the `guard` section with core's validator for that section (the same schema fragment that
 * checks the whole config, precompiled on its own), fills in its defaults and checks what a JSON schema
 * cannot (that each regular expression compiles). Throws ConfigProblem naming the path and what was expected.
 */
export function validateGuardSection(value: unknown): Omit<GuardConfig, 'presets'> & { presets: string[] } {
  const document: { guard?: unknown } = { guard: value === undefined ? {} : structuredClone(value) };
  const problem = guardSectionProblem(document);
  if (problem) throw new ConfigProblem(problem);
  // The schema filled in the defaults of the scalar keys; the lists without a default start empty.
  const section = document.guard as Partial<GuardConfig> &
    Pick<GuardConfig, 'unanalysable' | 'onError' | 'audit'>;
  const rules: readonly UserRule[] = section.rules ?? [];
  rules.forEach((rule, i) => {
    checkRegex(rule.match.command, `guard.rules[${i}].match.command`);
    checkRegex(rule.match.content, `guard.rules[${i}].match.content`);
  });
  return {
    unanalysable: section.unanalysable,
    onError: section.onError,
    audit: section.audit,
    protectedBranches: section.protectedBranches ?? defaultGuardConfig.protectedBranches,
    presets: [...(section.presets ?? [])],
    disable: section.disable ?? [],
    rules,
  };
}

/**
 * The guard config for a folder: the `guard` section of the factory config that applies there, plus
 * presets from `extends` and `guard.presets`.
 *
 * This runs on every tool call. Core's full loader validates the whole config with a precompiled validator
 * of about 280 KB, which alone costs several milliseconds to load; the guard needs only its own section.
 * So the common cases (no config, a JSON config whose `extends` names presets) are read here and the
 * section is checked by the converter above; anything else (YAML, JS, TS, `extends` of a file) goes
 * through core's loadConfig, imported only then. Throws a FactoryError naming the file, the path and
 * what was expected.
 */
export async function loadGuardConfig(cwd: string | undefined): Promise<LoadedGuardConfig> {
  if (!cwd) return { config: defaultGuardConfig };
  const stop = findRepositoryRoot(cwd) ?? cwd;
  // The one config finder; a package.json the agent is repairing must not block the calls that repair it.
  const found = findConfigFile({ cwd, stopDir: stop, brokenPackageJson: 'skip' });
  if (!found) return { config: defaultGuardConfig };
  let document: unknown;
  let label = found.file;
  if (found.place === 'package.json') {
    document = found.packageData;
    label = `${found.file} (key "${packageJsonKey}")`;
  } else if (found.place.endsWith('.json')) {
    try {
      const text = readFileSync(found.file, 'utf8');
      document = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      throw new FactoryError(
        messages.guardConfigInvalid(found.file, `it is not valid JSON (${(error as Error).message})`),
        ExitCode.usage,
        { cause: error },
      );
    }
  }
  const refs = isObject(document) ? ([] as unknown[]).concat(document.extends ?? []) : [];
  const leanEnough =
    document !== undefined &&
    isObject(document) &&
    refs.every((ref) => typeof ref === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(ref));
  if (!leanEnough) {
    const { loadConfig } = await import('@factory/core/config/load');
    const loaded = await loadConfig({ cwd });
    document = loaded.config;
    label = loaded.file ?? label;
  }
  const doc = document as Record<string, unknown>;
  try {
    const section = validateGuardSection(doc.guard);
    const extendsValue = doc.extends;
    const extended =
      typeof extendsValue === 'string'
        ? [extendsValue]
        : Array.isArray(extendsValue)
          ? extendsValue.filter((e): e is string => typeof e === 'string')
          : [];
    const presets = [...new Set([...section.presets, ...presetNames(extended)])];
    return { config: { ...section, presets }, file: found.file };
  } catch (error) {
    if (error instanceof ConfigProblem) {
      throw new FactoryError(messages.guardConfigInvalid(label, error.message), ExitCode.usage, {
        cause: error,
      });
    }
    throw error;
  }
}
