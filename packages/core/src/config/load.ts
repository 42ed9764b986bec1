import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { buildStamp, fileStamps, stampsHold, writeCacheFile } from '../stamp.js';
import { type FindConfigOptions, type FoundConfig, findConfigFile, parseJson } from './find.js';
import { configSearchPlaces, isExecutablePlace, isPlainJsonPlace, packageJsonKey } from './places.js';
import { isPresetName, presetFile } from './presets.js';
import type { FactoryConfig, LoadedConfig } from './types.js';
import { validateConfigData } from './validate.js';

/**
 * Loading the configuration, lean enough for the git hooks and the guard.
 *
 * How to get the resolved config, anywhere (hooks included): `await loadConfig({ cwd })`.
 * - Discovery: from `cwd` up to the top of the repository, each folder is checked for the places of
 *   `configSearchPlaces` in order (a handful of `existsSync`); package.json counts only with a `factory` key.
 * - The common case, a JSON file (`factory.config.json`, `.factoryrc.json`, package.json), is read with
 *   JSON.parse and checked with the validator precompiled at build time: no cosmiconfig, no ajv compile.
 * - Any other format (YAML, `.factoryrc`, JS, TS) is loaded by cosmiconfig, imported only then.
 * - `extends` names presets (presets/<name>.json of the factory installation) or JSON files relative to
 *   the config; objects merge deeply, arrays and values of a later layer replace earlier ones.
 * - No config anywhere: the schema's defaults (the base checks), `file` absent.
 * Errors are FactoryErrors (exit 2) that name the file, the path inside it and what was expected.
 */
export interface LoadConfigOptions extends FindConfigOptions {
  /**
   * For hot paths (the git gates): a file where the resolved config is kept and reused while every file that
   * went into it (the config, its presets and extended files) is unchanged (the same stamp: stamp.ts) and
   * factory itself is the same build. JSON configs only: a JS/TS config may compute its result.
   */
  readonly cacheFile?: string;
  /**
   * false on the hooks' paths (the gates, the guard): a JS or TS config is refused with one sentence, never
   * executed. A program the agent can edit must not run inside the hook that judges the agent; and its
   * result is not something the control record can pin down.
   */
  readonly executable?: boolean;
}

export { findConfigFile } from './find.js';

/** The resolved configuration for `cwd`. See the comment above for what it does and what it costs. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const found = findConfigFile(options);
  const cacheable = options.cacheFile !== undefined && (!found || isPlainJsonPlace(found.place));
  if (cacheable) {
    const hit = readConfigCache(options.cacheFile!, found?.file);
    if (hit) return hit;
  }
  if (found && options.executable === false && isExecutablePlace(found.place)) {
    throw new FactoryError(messages.configNotExecuted(found.file), ExitCode.usage);
  }
  const loaded = await loadFound(found);
  if (cacheable) writeConfigCache(options.cacheFile!, loaded);
  return loaded;
}

async function loadFound(found: FoundConfig | undefined): Promise<LoadedConfig> {
  if (!found) return resolveLayers({}, undefined);
  if (found.place === 'package.json') {
    return resolveLayers(found.packageData, found.file, `${found.file} (key "${packageJsonKey}")`);
  }
  if (isPlainJsonPlace(found.place)) return resolveLayers(parseJson(found.file), found.file);
  return resolveLayers(await loadWithCosmiconfig(found.file), found.file);
}

interface ConfigCache {
  readonly version: 2;
  readonly build: string;
  readonly file: string | null;
  /** Every file that went into the config (stamp.ts), by path. */
  readonly stamps: Record<string, string>;
  readonly config: FactoryConfig;
}

function readConfigCache(cacheFile: string, file: string | undefined): LoadedConfig | undefined {
  let cache: ConfigCache;
  try {
    cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as ConfigCache;
  } catch {
    return undefined;
  }
  if (cache?.version !== 2 || cache.build !== buildStamp(import.meta.url) || cache.file !== (file ?? null))
    return undefined;
  if (!stampsHold(cache.stamps)) return undefined;
  return { config: cache.config, ...(file ? { file } : {}), sources: Object.keys(cache.stamps) };
}

function writeConfigCache(cacheFile: string, loaded: LoadedConfig): void {
  const stamps = fileStamps(loaded.sources);
  if (Object.values(stamps).some((stamp) => stamp === '')) return;
  const cache: ConfigCache = {
    version: 2,
    build: buildStamp(import.meta.url),
    file: loaded.file ?? null,
    stamps,
    config: loaded.config,
  };
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
  } catch {
    return; // a cache that cannot be written costs only speed
  }
  writeCacheFile(cacheFile, JSON.stringify(cache));
}

/** Loads one non-JSON config file (YAML, JS, TS) with cosmiconfig, imported only now. */
async function loadWithCosmiconfig(file: string): Promise<unknown> {
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  // TypeScript configs are imported natively (Node strips the types), without a TypeScript dependency.
  const explorer = cosmiconfig(packageJsonKey, {
    searchPlaces: [...configSearchPlaces],
    loaders: { '.ts': defaultLoaders['.mjs'], '.mts': defaultLoaders['.mjs'] },
    cache: false,
  });
  try {
    const result = await explorer.load(file);
    if (!result || result.isEmpty) throw new FactoryError(messages.configEmpty(file), ExitCode.usage);
    const config: unknown = result.config ?? {};
    // A module compiled to CommonJS (by a loader such as tsx) arrives wrapped once more in `default`.
    if (isPlainObject(config) && Object.keys(config).length === 1 && isPlainObject(config.default)) {
      return config.default;
    }
    return config;
  } catch (error) {
    if (error instanceof FactoryError) throw error;
    const reason = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
    throw new FactoryError(messages.configUnreadable(file, reason), ExitCode.usage, { cause: error });
  }
}

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; arrays and values of `over` replace those of `base`. */
export function mergeConfig(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // null removes what an earlier layer (a preset) set: e.g. a task whose tool the project does not use.
    if (value === null) {
      delete out[key];
      continue;
    }
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value) ? mergeConfig(prior, value) : value;
  }
  return out;
}

/** Resolves `extends` recursively and validates: each file on its own (so errors name it), then the whole. */
export function resolveLayers(data: unknown, file: string | undefined, label = file): LoadedConfig {
  const sources: string[] = [];
  const merged = flatten(data, file, label ?? '(defaults)', sources, []);
  const { extends: _extends, $schema: _schema, ...rest } = merged;
  const result: Json = { ...rest };
  if (isPlainObject(data) && data.extends !== undefined) result.extends = data.extends;
  if (isPlainObject(data) && data.$schema !== undefined) result.$schema = data.$schema;
  validateConfigData(result, label ?? '(defaults)');
  return {
    config: result as FactoryConfig,
    ...(file ? { file } : {}),
    sources,
  };
}

function flatten(
  data: unknown,
  file: string | undefined,
  label: string,
  sources: string[],
  stack: string[],
): Json {
  // Validate this layer alone first (on a copy: defaults must not leak into the merge).
  validateConfigData(structuredClone(data), label);
  const layer = data as Json;
  const refs = layer.extends === undefined ? [] : ([] as string[]).concat(layer.extends as string | string[]);
  let merged: Json = {};
  for (const ref of refs) {
    const target = resolveExtends(ref, file, label);
    if (stack.includes(target) || target === file) {
      throw new FactoryError(messages.configExtendsCycle(label, [...stack, target].join(' -> ')));
    }
    const parent = flatten(parseJson(target), target, target, sources, [...stack, ...(file ? [file] : [])]);
    merged = mergeConfig(merged, parent);
  }
  if (file) sources.push(file);
  const { extends: _e, $schema: _s, ...own } = layer;
  return mergeConfig(merged, own);
}

function resolveExtends(ref: string, file: string | undefined, label: string): string {
  if (isPresetName(ref)) {
    const preset = presetFile(ref);
    if (!preset) throw new FactoryError(messages.configUnknownPreset(label, ref));
    return preset;
  }
  const base = file ? dirname(file) : process.cwd();
  const target = isAbsolute(ref) ? ref : resolve(base, ref);
  if (!existsSync(target)) throw new FactoryError(messages.configExtendsMissing(label, ref, target));
  if (!target.endsWith('.json')) throw new FactoryError(messages.configExtendsNotJson(label, ref));
  return target;
}
