/**
 * Where a factory config can live, in the order they are searched in each folder: cosmiconfig's
 * conventional places for the module name `factory`. The lean loader checks these names itself (a few
 * `existsSync`) and reads the JSON ones directly; cosmiconfig is imported only to load the others.
 */
export const configSearchPlaces = [
  'package.json',
  '.factoryrc',
  '.factoryrc.json',
  '.factoryrc.yaml',
  '.factoryrc.yml',
  '.factoryrc.js',
  '.factoryrc.ts',
  '.factoryrc.mjs',
  '.factoryrc.cjs',
  '.config/factoryrc',
  '.config/factoryrc.json',
  '.config/factoryrc.yaml',
  '.config/factoryrc.yml',
  '.config/factoryrc.js',
  '.config/factoryrc.ts',
  '.config/factoryrc.mjs',
  '.config/factoryrc.cjs',
  'factory.config.json',
  'factory.config.yaml',
  'factory.config.yml',
  'factory.config.js',
  'factory.config.ts',
  'factory.config.mjs',
  'factory.config.cjs',
] as const;

/** The key of package.json that holds a config. */
export const packageJsonKey = 'factory';

/** The file `factory init` writes. */
export const defaultConfigFileName = 'factory.config.json';

/** Places read without cosmiconfig: plain JSON. */
export function isPlainJsonPlace(place: string): boolean {
  return place.endsWith('.json');
}

/** Places whose config is a program (JavaScript, TypeScript): the hooks refuse them instead of running them. */
export function isExecutablePlace(place: string): boolean {
  return /\.(js|cjs|mjs|ts|cts|mts)$/.test(place);
}
