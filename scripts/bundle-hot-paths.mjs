#!/usr/bin/env node
// Bundles the git gates' hot path into one file after tsc: `factory gate pre-commit` runs on every commit,
// and resolving ~30 ESM modules through workspace symlinks and package exports costs more than the gate's
// own work. The bundle is what the fast path loads (packages/cli/src/fast-path.ts); the unbundled modules
// stay for everything else and for tests. Heavy, rarely needed modules stay outside and load lazily:
// lint-staged (no longer loaded by the gates), cosmiconfig (non-JSON configs only).
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [
  {
    in: join(root, 'packages/gates/dist/gate/run.js'),
    out: join(root, 'packages/gates/dist/gate/run.bundle.js'),
  },
  // The guard's PreToolUse handler runs on every tool call of the agent (measured: about 10 ms less CPU
  // per call bundled). core's full config loader stays outside: it is only needed for non-JSON configs.
  {
    in: join(root, 'packages/gates/dist/hook/handlers/pre-tool-use.js'),
    out: join(root, 'packages/gates/dist/hook/handlers/pre-tool-use.bundle.js'),
    external: ['@factory/core/config/load'],
  },
  // ...and the fast path's own entry for it, which skips the router (about 3 ms less per call).
  {
    in: join(root, 'packages/gates/dist/hook/pre-tool-use-entry.js'),
    out: join(root, 'packages/gates/dist/hook/pre-tool-use-entry.bundle.js'),
    external: ['@factory/core/config/load'],
  },
  // The same as CommonJS, which the fast path compiles through node:vm with a V8 code cache taken after a
  // decision (every function the decision ran, not only the module's top level: see fast-path.ts).
  {
    in: join(root, 'packages/gates/dist/hook/pre-tool-use-entry.js'),
    out: join(root, 'packages/gates/dist/hook/pre-tool-use-entry.bundle.cjs'),
    external: ['@factory/core/config/load'],
    format: 'cjs',
  },
];
/**
 * Node's built-in modules as lazy CommonJS shims over process.getBuiltinModule() instead of ESM imports.
 * An ESM import of a built-in builds its namespace by reading every export, and that runs the lazy getters:
 * `import { readFileSync } from 'node:fs'` alone loads fs/promises, streams and readline (measured: about
 * 3 ms of a 20 ms process), and a static `node:sqlite` import loads SQLite on calls that never write.
 * esbuild reads a shim's properties where they are used, so a module is only loaded when code needs it.
 */
const builtins = new Set(builtinModules.map((name) => name.replace(/^node:/, '')));
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name) && !args.path.startsWith('node:')) return undefined;
      return { path: `node:${name}`, namespace: 'lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
for (const entry of entries) {
  if (!existsSync(entry.in)) throw new Error(`${entry.in} is missing: run tsc -b first`);
  await build({
    entryPoints: [entry.in],
    outfile: entry.out,
    bundle: true,
    platform: 'node',
    format: entry.format ?? 'esm',
    target: 'node22',
    // import.meta.url (the guard's config cache stamps the build by it) as CommonJS knows it.
    ...(entry.format === 'cjs'
      ? {
          define: { 'import.meta.url': '__bundleUrl' },
          banner: { js: 'var __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
        }
      : {}),
    external: ['lint-staged', 'cosmiconfig', 'husky', ...(entry.external ?? [])],
    // Modules of the bundle find files next to their source (presets/, the schema) through import.meta.url:
    // keep those paths right by resolving them from the original module's location at build time.
    plugins: [lazyBuiltins],
    logLevel: 'warning',
    legalComments: 'none',
  });
}
