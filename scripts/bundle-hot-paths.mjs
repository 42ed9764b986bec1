#!/usr/bin/env node
// Bundles the git gates' hot path into one file after tsc: `factory gate pre-commit` runs on every commit,
// and resolving ~30 ESM modules through workspace symlinks and package exports costs more than the gate's
// own work. The bundle is what the fast path loads (packages/cli/src/fast-path.ts); the unbundled modules
// stay for everything else and for tests. Heavy, rarely needed modules stay outside and load lazily:
// lint-staged (no longer loaded by the gates), cosmiconfig (non-JSON configs only).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The function a CommonJS bundle is written as, which the fast path compiles as it is (cli/src/fast-path.ts,
 * loadCodeCachedBundle, calls it with these arguments in this order): wrapping its text there made a copy
 * of the whole bundle in the young heap on every call, which with the rest of a decision's allocations cost
 * a garbage collection (a scavenge, measured with --trace-gc) that a call no longer needs.
 */
export const loaderFunctionHead =
  "(function (exports, require, module, __filename, __dirname, __factoryImport) {'use strict';";
const entries = [
  {
    in: join(root, 'packages/gates/dist/gate/run.js'),
    out: join(root, 'packages/gates/dist/gate/run.bundle.js'),
  },
  // The same as CommonJS, which the fast path compiles through node:vm with a V8 code cache taken after a
  // gate passed (every function the gate ran, not only the module's top level: see fast-path.ts).
  {
    in: join(root, 'packages/gates/dist/gate/run.js'),
    out: join(root, 'packages/gates/dist/gate/run.bundle.cjs'),
    format: 'cjs',
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
      contents: lazyBuiltinShim(args.path),
      loader: 'js',
    }));
  },
};
/**
 * A built-in's shim: an object with a getter per export that loads the module on first use. Returning
 * the module itself would load it where the importing module is initialised, at the bundle's top level:
 * `node:child_process` (the find selection, the shell's syntax check) loads net, streams and dgram, about
 * 3 ms of a guard call that never spawns (measured with --cpu-prof). The names are the module's exports
 * in the Node that builds; a name a later Node adds is simply not used by code built against this one.
 */
function lazyBuiltinShim(specifier) {
  const names = Object.keys(nodeRequire(specifier)).filter((name) => name !== 'default');
  return [
    'var loaded;',
    `var load = () => (loaded ??= process.getBuiltinModule(${JSON.stringify(specifier)}));`,
    `for (const name of ${JSON.stringify(names.join(','))}.split(','))`,
    '  Object.defineProperty(module.exports, name, { enumerable: true, get: () => load()[name] });',
    // Its own namespace (importersUseShims): `import fs from 'node:fs'` reads `default`.
    "Object.defineProperty(module.exports, 'default', { value: module.exports });",
  ].join('\n');
}

/**
 * Importers take a built-in's shim as it is, not through esbuild's `__toESM`, which would copy its getters
 * onto a namespace object of its own (node:fs alone has about 100; measured about 0.4 ms of a guard call).
 * The shim already is what the namespace would be: its exports, and itself as `default`.
 */
function importersUseShims(file) {
  const text = readFileSync(file, 'utf8');
  const shims = [...text.matchAll(/\/\/ lazy-builtin:node:[^\n]*\nvar (require_[\w$]+) = __commonJS\(/g)].map(
    (match) => match[1],
  );
  let out = text;
  for (const shim of shims) out = out.replaceAll(`__toESM(${shim}(), 1)`, `${shim}()`);
  writeFileSync(file, out);
}
const nodeRequire = createRequire(import.meta.url);

/**
 * Builds one hot-path bundle: `entry.in` (a module of a package's dist) into `entry.out`, ESM or CommonJS,
 * with Node's built-ins as lazy shims and `entry.external` (plus lint-staged, cosmiconfig and husky) left
 * outside. scripts/pack.mjs builds the CommonJS ones into the packed install too.
 */
export async function buildHotBundle(entry) {
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
    charset: 'ascii',
    ...(entry.minify
      ? { minifyWhitespace: true, minifySyntax: true, minifyIdentifiers: entry.minify === 'all' }
      : {}),
  });
  importersUseShims(entry.out);
  shareNamespaces(entry.out);
  if (entry.format === 'cjs') {
    importThroughLoader(entry.out);
    wrapForLoader(entry.out);
  }
  // The fast path reads a CommonJS bundle as latin1 (no UTF-8 decoding): esbuild's ascii charset escapes
  // everything else, and this says so if that ever changes.
  const nonAscii = /[^\x00-\x7f]/.exec(readFileSync(entry.out, 'latin1'));
  if (nonAscii) throw new Error(`${entry.out} is not ASCII at offset ${nonAscii.index}`);
}

/** The CommonJS bundles the fast path compiles with its code cache, by their path below a dist folder. */
export const codeCachedBundles = [
  { in: 'gates/dist/gate/run.js', out: 'gate/run.bundle.cjs' },
  { in: 'gates/dist/hook/pre-tool-use-entry.js', out: 'hook/pre-tool-use-entry.bundle.cjs' },
];

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const entry of entries) await buildHotBundle(entry);
}

function wrapForLoader(file) {
  writeFileSync(file, `${loaderFunctionHead}${readFileSync(file, 'utf8')}\n})\n`);
}

/**
 * A CommonJS bundle runs through node:vm (fast-path.ts), where `import()` needs Node's experimental
 * main-context loader, which warns on stderr when it is used. The bundle's few dynamic imports of what it
 * leaves outside (cosmiconfig for a YAML config; the guard's full config loader) call the loader's own
 * `__factoryImport` instead, which imports the module resolved from the bundle's folder.
 */
function importThroughLoader(file) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/\bimport\((["'])([^"'\s]+)\1\)/g, '__factoryImport($1$2$1)'));
}

/**
 * esbuild gives every module that imports a CommonJS module (here: each built-in's lazy shim) a namespace
 * object of its own, defining a getter for every export on it: 46 imports of node:fs, node:path and the
 * others in the gate's bundle define about 2,500 properties on every commit (measured: about 2 ms of CPU).
 * One namespace per module is enough (they are read-only views of the same exports): `__toESM` keeps the
 * one it made for a module and hands it to every importer.
 */
function shareNamespaces(file) {
  const text = readFileSync(file, 'utf8');
  const helper = 'var __toESM = (mod, isNodeMode, target) =>';
  if (!text.includes(helper)) return; // no CommonJS import in this bundle
  const renamed = text.replace(helper, 'var __toESMEach = (mod, isNodeMode, target) =>');
  const firstModule = renamed.indexOf('\n// ', renamed.indexOf('var __toESMEach'));
  if (firstModule < 0) throw new Error(`${file}: esbuild's __toESM helper is not where it was expected`);
  const shared =
    '\nvar __toESMShared = new WeakMap();\n' +
    'var __toESM = (mod, isNodeMode, target) => {\n' +
    '  if (mod == null || typeof mod !== "object" || target !== undefined) return __toESMEach(mod, isNodeMode, target);\n' +
    '  const key = isNodeMode ? 1 : 0;\n' +
    '  let made = __toESMShared.get(mod);\n' +
    '  if (!made) __toESMShared.set(mod, (made = []));\n' +
    '  return (made[key] ??= __toESMEach(mod, isNodeMode));\n' +
    '};\n';
  writeFileSync(file, renamed.slice(0, firstModule) + shared + renamed.slice(firstModule));
}
