import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds a file shipped with factory by walking up from this module: the same code runs from
 * packages/core/dist/config/ and from the hot-path bundle in packages/gates/dist/gate/, so a fixed
 * relative path would be right for one and wrong for the other.
 */
export function findShipped(
  candidates: readonly string[],
  from: string = import.meta.url,
): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    for (const candidate of candidates) {
      const path = join(dir, candidate);
      if (existsSync(path)) return path;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
