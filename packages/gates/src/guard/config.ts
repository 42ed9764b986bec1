import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findConfigFile } from '@factory/core/config/find';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { factoryDir, findRepositoryRoot } from '@factory/core/paths';
import { buildStamp, fileStamps, stampsHold, writeCacheFile } from '@factory/core/stamp';
import { messages } from '../messages.js';
import { presetNames } from './custom-rules.js';
import { type Decision, defaultGuardConfig, type GuardConfig, type UserRule } from './policy.js';

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

function fail(path: string, expected: string): never {
  throw new ConfigProblem(`${path} must be ${expected}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      fail(`${path}.${key}`, `one of the known keys (${allowed.join(', ')}); remove it`);
  }
}

function stringArray(value: unknown, path: string, minLength = 0): string[] {
  if (!Array.isArray(value)) fail(path, 'an array of strings');
  return value.map((item, i) => {
    if (typeof item !== 'string' || item.length < minLength)
      fail(`${path}[${i}]`, minLength > 0 ? 'a non-empty string' : 'a string');
    return item;
  });
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T))
    fail(path, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  return value as T;
}

function regex(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'a regular expression string');
  try {
    new RegExp(value);
  } catch {
    fail(path, 'a valid regular expression');
  }
  return value;
}

function validateRule(value: unknown, path: string): UserRule {
  if (!isObject(value)) fail(path, 'an object with id, match, decision and reason');
  checkKeys(value, path, ['id', 'description', 'tools', 'match', 'when', 'decision', 'reason']);
  for (const key of ['id', 'match', 'decision', 'reason'])
    if (!(key in value)) fail(`${path}.${key}`, 'present');
  if (typeof value.id !== 'string' || !/^[a-z0-9][a-z0-9/_.-]*$/.test(value.id))
    fail(`${path}.id`, 'a lowercase id (letters, digits, / _ . -)');
  if (value.description !== undefined && typeof value.description !== 'string')
    fail(`${path}.description`, 'a string');
  const tools = value.tools === undefined ? undefined : stringArray(value.tools, `${path}.tools`, 1);
  if (tools && tools.length === 0) fail(`${path}.tools`, 'a non-empty array');
  const match = value.match;
  if (!isObject(match) || Object.keys(match).length === 0)
    fail(
      `${path}.match`,
      'an object with at least one of program, args, argsInclude, command, path, content',
    );
  checkKeys(match, `${path}.match`, ['program', 'args', 'argsInclude', 'command', 'path', 'content']);
  let program: string | string[] | undefined;
  if (match.program !== undefined) {
    if (typeof match.program === 'string' && match.program.length > 0) program = match.program;
    else if (Array.isArray(match.program) && match.program.length > 0)
      program = stringArray(match.program, `${path}.match.program`, 1);
    else fail(`${path}.match.program`, 'a program name or a non-empty array of names');
  }
  const when = value.when;
  if (when !== undefined) {
    if (!isObject(when)) fail(`${path}.when`, 'an object with exists and/or missing');
    checkKeys(when, `${path}.when`, ['exists', 'missing']);
  }
  if (typeof value.reason !== 'string' || value.reason.length < 3)
    fail(`${path}.reason`, 'the message the model sees (a string)');
  return {
    id: value.id,
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
    ...(tools ? { tools } : {}),
    match: {
      ...(program !== undefined ? { program } : {}),
      ...(match.args !== undefined ? { args: stringArray(match.args, `${path}.match.args`) } : {}),
      ...(match.argsInclude !== undefined
        ? { argsInclude: stringArray(match.argsInclude, `${path}.match.argsInclude`) }
        : {}),
      ...(match.command !== undefined ? { command: regex(match.command, `${path}.match.command`) } : {}),
      ...(match.path !== undefined ? { path: stringArray(match.path, `${path}.match.path`, 1) } : {}),
      ...(match.content !== undefined ? { content: regex(match.content, `${path}.match.content`) } : {}),
    },
    ...(when
      ? {
          when: {
            ...(when.exists !== undefined ? { exists: stringArray(when.exists, `${path}.when.exists`) } : {}),
            ...(when.missing !== undefined
              ? { missing: stringArray(when.missing, `${path}.when.missing`) }
              : {}),
          },
        }
      : {}),
    decision: oneOf<Decision>(value.decision, `${path}.decision`, ['deny', 'ask', 'allow']),
    reason: value.reason,
  };
}

/** Validates the `guard` section; throws ConfigProblem naming the path and what was expected. */
export function validateGuardSection(
  value: unknown,
  path = 'guard',
): Omit<GuardConfig, 'presets'> & { presets: string[] } {
  if (value === undefined) return { ...defaultGuardConfig, presets: [] };
  if (!isObject(value)) fail(path, 'an object');
  checkKeys(value, path, [
    'unanalysable',
    'onError',
    'audit',
    'protectedBranches',
    'presets',
    'disable',
    'programs',
    'rules',
  ]);
  const disable = value.disable === undefined ? [] : value.disable;
  if (!Array.isArray(disable)) fail(`${path}.disable`, 'an array of {rule, reason}');
  const rules = value.rules === undefined ? [] : value.rules;
  if (!Array.isArray(rules)) fail(`${path}.rules`, 'an array of rules');
  const programs = value.programs === undefined ? [] : value.programs;
  if (!Array.isArray(programs)) fail(`${path}.programs`, 'an array of {name, reason}');
  return {
    unanalysable:
      value.unanalysable === undefined
        ? defaultGuardConfig.unanalysable
        : oneOf<Decision>(value.unanalysable, `${path}.unanalysable`, ['allow', 'ask', 'deny']),
    onError:
      value.onError === undefined
        ? 'deny'
        : oneOf(value.onError, `${path}.onError`, ['deny', 'allow'] as const),
    audit:
      value.audit === undefined
        ? 'refusals'
        : oneOf(value.audit, `${path}.audit`, ['refusals', 'all'] as const),
    protectedBranches:
      value.protectedBranches === undefined
        ? defaultGuardConfig.protectedBranches
        : stringArray(value.protectedBranches, `${path}.protectedBranches`, 1),
    presets:
      value.presets === undefined
        ? []
        : stringArray(value.presets, `${path}.presets`).map((name, i) =>
            oneOf(name, `${path}.presets[${i}]`, ['base', 'typescript', 'python'] as const),
          ),
    disable: disable.map((entry: unknown, i: number) => {
      const at = `${path}.disable[${i}]`;
      if (!isObject(entry)) fail(at, 'an object {rule, reason}');
      checkKeys(entry, at, ['rule', 'reason']);
      if (typeof entry.rule !== 'string' || entry.rule.length === 0) fail(`${at}.rule`, 'the id of a rule');
      if (typeof entry.reason !== 'string' || entry.reason.length < 3)
        fail(`${at}.reason`, 'why the rule is off (every escape hatch takes a reason)');
      return { rule: entry.rule, reason: entry.reason };
    }),
    programs: programs.map((entry: unknown, i: number) => {
      const at = `${path}.programs[${i}]`;
      if (!isObject(entry)) fail(at, 'an object {name, reason}');
      checkKeys(entry, at, ['name', 'reason']);
      // A program's name as the shell finds it on PATH: no path, no pattern.
      if (typeof entry.name !== 'string' || !VOUCHED_NAME.test(entry.name))
        fail(
          `${at}.name`,
          "a program's name, as run from PATH or by npx (mytool or @scope/tool, not ./bin/mytool)",
        );
      if (typeof entry.reason !== 'string' || entry.reason.length < 3)
        fail(`${at}.reason`, 'why the guard may trust it (every escape hatch takes a reason)');
      return { name: entry.name, reason: entry.reason };
    }),
    rules: rules.map((rule: unknown, i: number) => validateRule(rule, `${path}.rules[${i}]`)),
  };
}

const packageJsonKeyFile = 'package.json';

/** A program's name on PATH, or a scoped package's name as npx runs it (the schema's pattern). */
const VOUCHED_NAME = /^(@[A-Za-z0-9_.-]+\/)?[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/**
 * The guard config for a folder: the `guard` section of the factory config that applies there, plus
 * presets from `extends` and `guard.presets`.
 *
 * The whole config must be valid, not only the guard's section: an unknown preset in `extends` (a typo such
 * as "pyhton") would otherwise silently drop the preset's rules, and the documented promise is that a config
 * that cannot be read blocks. Validating the whole file costs several milliseconds (core's precompiled
 * validator is about 280 KB), too much for every tool call; so the guard validates it once with core's
 * loader and keeps the result in `.factory/guard-config-cache.json`, reused while the config, every file
 * it extends and this build of factory are unchanged (the same stamps: core's stamp.ts). No config file: the defaults.
 * Throws a FactoryError naming the file, the path and what was expected.
 */
export async function loadGuardConfig(cwd: string | undefined): Promise<LoadedGuardConfig> {
  if (!cwd) return { config: defaultGuardConfig };
  const root = findRepositoryRoot(cwd) ?? cwd;
  // The one config finder; a package.json the agent is repairing must not block the calls that repair it.
  const found = findConfigFile({ cwd, stopDir: root, brokenPackageJson: 'skip' });
  if (!found) return { config: defaultGuardConfig };
  const cacheFile = join(factoryDir(root), 'guard-config-cache.json');
  const hit = readGuardCache(cacheFile, found.file);
  if (hit) return hit;
  const { loadConfig } = await import('@factory/core/config/load');
  // The hook never executes a JS/TS config (core refuses it with one sentence).
  const loaded = await loadConfig({ cwd, stopDir: root, executable: false });
  // Valid as a whole. The section itself is taken as written (JSON configs, package.json#factory), so that
  // the converter's defaults apply to it, as they always have; other formats come resolved by core.
  let doc = loaded.config as unknown as Record<string, unknown>;
  if (found.place === packageJsonKeyFile && isObject(found.packageData)) doc = found.packageData;
  else if (found.place.endsWith('.json')) {
    const raw: unknown = JSON.parse(readFileSync(found.file, 'utf8'));
    if (isObject(raw)) doc = raw;
  }
  const label = loaded.file ?? found.file;
  let result: LoadedGuardConfig;
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
    result = { config: { ...section, presets }, file: found.file };
  } catch (error) {
    if (error instanceof ConfigProblem) {
      throw new FactoryError(messages.guardConfigInvalid(label, error.message), ExitCode.usage, {
        cause: error,
      });
    }
    throw error;
  }
  writeGuardCache(cacheFile, found.file, loaded.sources, result);
  return result;
}

interface GuardCache {
  readonly version: 2;
  /** This build of the guard (the module or bundle running): a rebuilt factory re-validates. */
  readonly build: string;
  readonly file: string;
  /** Every file that went into the config (core's stamp.ts), by path. */
  readonly stamps: Record<string, string>;
  readonly config: GuardConfig;
}

function readGuardCache(cacheFile: string, file: string): LoadedGuardConfig | undefined {
  let cache: GuardCache;
  try {
    cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as GuardCache;
  } catch {
    return undefined;
  }
  if (cache?.version !== 2 || cache.file !== file || cache.build !== buildStamp(import.meta.url))
    return undefined;
  return stampsHold(cache.stamps) ? { config: cache.config, file } : undefined;
}

function writeGuardCache(
  cacheFile: string,
  file: string,
  sources: readonly string[],
  loaded: LoadedGuardConfig,
): void {
  const stamps = fileStamps(sources);
  const values = Object.values(stamps);
  if (values.length === 0 || values.includes('') || !existsSync(dirname(cacheFile))) return;
  const cache: GuardCache = {
    version: 2,
    build: buildStamp(import.meta.url),
    file,
    stamps,
    config: loaded.config,
  };
  writeCacheFile(cacheFile, JSON.stringify(cache));
}
