import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findShipped } from './locate.js';

let cachedPresetsDir: string | undefined;

/** presets/ of the factory installation (shipped beside the packages). */
export function presetsDir(): string {
  cachedPresetsDir ??= dirname(
    findShipped(['presets/base.json']) ?? join(process.cwd(), 'presets/base.json'),
  );
  return cachedPresetsDir;
}

/** The preset names shipped with factory. */
export const builtinPresets = ['base', 'typescript', 'python'] as const;
export type BuiltinPreset = (typeof builtinPresets)[number];

/** A name like `typescript` is a preset; anything with a slash or a `.json` suffix is a file path. */
export function isPresetName(ref: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(ref);
}

export function presetFile(name: string): string | undefined {
  const file = join(presetsDir(), `${name}.json`);
  return existsSync(file) ? file : undefined;
}
