// What every bench script shares: the project root, the built bin, the median.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The built factory bin; a bench cannot run without it, so a missing one ends the bench with exit 2. */
export function builtBin(bench) {
  const bin = join(projectRoot, 'packages/cli/dist/bin.js');
  if (!existsSync(bin)) {
    console.error(`bench/${bench}: packages/cli/dist/bin.js is missing; run npm run build first.`);
    process.exit(2);
  }
  return bin;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
