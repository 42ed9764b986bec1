#!/usr/bin/env node
// Bundles the git gates' hot path into one file after tsc: `factory gate pre-commit` runs on every commit,
// and resolving ~30 ESM modules through workspace symlinks and package exports costs more than the gate's
// own work. The bundle is what the fast path loads (packages/cli/src/fast-path.ts); the unbundled modules
// stay for everything else and for tests. Heavy, rarely needed modules stay outside and load lazily:
// lint-staged (partial staging only), cosmiconfig (non-JSON configs only).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [
  {
    in: join(root, 'packages/gates/dist/gate/run.js'),
    out: join(root, 'packages/gates/dist/gate/run.bundle.js'),
  },
];
for (const entry of entries) {
  if (!existsSync(entry.in)) throw new Error(`${entry.in} is missing: run tsc -b first`);
  await build({
    entryPoints: [entry.in],
    outfile: entry.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['lint-staged', 'cosmiconfig', 'husky'],
    // Modules of the bundle find files next to their source (presets/, the schema) through import.meta.url:
    // keep those paths right by resolving them from the original module's location at build time.
    logLevel: 'warning',
    legalComments: 'none',
  });
}
