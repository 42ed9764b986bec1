import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { findRepositoryRoot } from '../paths.js';
import { configSearchPlaces, packageJsonKey } from './places.js';

/**
 * The one config finder: every consumer (gates, guard, review, doctor, sweep, init) asks it which file
 * applies. It walks from `cwd` up to the top of the repository, checking the places of `places.ts` in order
 * (a handful of existsSync), and parses nothing but package.json. Lean enough for the hooks: no validator,
 * no cosmiconfig.
 */
export interface FindConfigOptions {
  /** Where to start looking (a hook's cwd is the top of the working tree). */
  readonly cwd: string;
  /** The last folder searched; default the top of the repository containing `cwd` (or `cwd` itself). */
  readonly stopDir?: string;
  /**
   * A package.json that is not valid JSON: `refuse` (the default) reports it, `skip` searches on, for the
   * guard, which must keep working while the agent repairs that file.
   */
  readonly brokenPackageJson?: 'refuse' | 'skip';
}

export interface FoundConfig {
  readonly file: string;
  readonly place: string;
  /** Set when the file is package.json: its `factory` key, already parsed. */
  readonly packageData?: unknown;
}

/** The config file that applies to `cwd`, or undefined. Cheap: no file is parsed but package.json. */
export function findConfigFile(options: FindConfigOptions): FoundConfig | undefined {
  const start = resolve(options.cwd);
  const stop = resolve(options.stopDir ?? findRepositoryRoot(start) ?? start);
  let dir = start;
  for (;;) {
    for (const place of configSearchPlaces) {
      const file = join(dir, place);
      if (!existsSync(file)) continue;
      if (place === 'package.json') {
        let pkg: Record<string, unknown> | null;
        try {
          pkg = parseJson(file) as Record<string, unknown> | null;
        } catch (error) {
          if (options.brokenPackageJson === 'skip') continue;
          throw error;
        }
        if (pkg && typeof pkg === 'object' && packageJsonKey in pkg) {
          return { file, place, packageData: pkg[packageJsonKey] };
        }
        continue;
      }
      return { file, place };
    }
    if (dir === stop) return undefined;
    const parent = dirname(dir);
    // Never search above the repository: a config outside it is not this repository's.
    if (parent === dir || relative(stop, dir).startsWith('..')) return undefined;
    dir = parent;
  }
}

/** Reads a JSON config file; an empty file is refused. Errors name the file. */
export function parseJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FactoryError(messages.configUnreadable(file, code), ExitCode.usage, { cause: error });
  }
  // An empty file is a mistake (a truncated write, a `touch`), not a choice: it would silently mean the
  // defaults and drop every preset and task. `{}` says the defaults on purpose.
  if (text.trim() === '') throw new FactoryError(messages.configEmpty(file), ExitCode.usage);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FactoryError(messages.configNotJson(file, reason), ExitCode.usage, { cause: error });
  }
}
