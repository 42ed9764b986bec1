#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// Packs factory as ONE installable package: `node scripts/pack.mjs [--out DIR]` prints the tarball's path.
//
// - factory's own packages (@factory/*) are bundled into dist/ by esbuild: the tarball depends on no
//   @factory/* package (those names exist on no registry; anyone could publish one: dependency confusion).
// - Third-party dependencies keep their own code and are shipped inside the tarball (bundleDependencies),
//   copied from this clone's node_modules: installing the tarball needs no registry and no network.
// - presets/, skills/ and the config schema ship beside dist/ (factory finds them by walking up from
//   its modules, as in the source tree).
// Run `npm run build` first (`npm run pack` does).
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildHotBundle, codeCachedBundles } from './bundle-hot-paths.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex === -1 ? join(root, '.pack') : process.argv[outIndex + 1]);
const stage = join(outDir, 'stage');

/** The name users install; unscoped, and it pulls in nothing named @factory/*. */
export const packageName = 'code-factory-cli';

const products = ['core', 'gates', 'agent', 'fleet', 'cli'];
const manifests = Object.fromEntries(
  products.map((name) => [
    name,
    JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')),
  ]),
);
const cli = manifests.cli;
if (!existsSync(join(root, 'packages/cli/dist/bin.js'))) {
  console.error('pack: packages/cli/dist/bin.js is missing; run npm run build first.');
  process.exit(2);
}

// Third-party runtime dependencies of every product package (their ranges must agree).
const dependencies = {};
for (const [name, manifest] of Object.entries(manifests)) {
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
    if (dep.startsWith('@factory/')) continue;
    if (dependencies[dep] && dependencies[dep] !== range) {
      console.error(
        `pack: ${dep} is ${dependencies[dep]} in one package and ${range} in ${name}; align them.`,
      );
      process.exit(2);
    }
    dependencies[dep] = range;
  }
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

// 1. factory's code: one bundle from the compiled bin, split at its dynamic imports so that the hooks'
//    start-up loads only what they need; everything not @factory/* stays a runtime import.
await build({
  entryPoints: { bin: join(root, 'packages/cli/dist/bin.js') },
  outdir: join(stage, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  logLevel: 'error',
  plugins: [
    {
      name: 'third-party-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@factory/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});

// 1b. The hot paths' CommonJS bundles, which the fast path compiles with a V8 code cache (the guard on
//     every tool call, the gates on every commit): beside the bin, where the packed fast path looks for
//     them, with only third-party packages left outside (nothing named @factory/* exists here).
for (const bundle of codeCachedBundles) {
  await buildHotBundle({
    in: join(root, 'packages', bundle.in),
    out: join(stage, 'dist', bundle.out),
    format: 'cjs',
  });
}

// 2. What factory reads from disk.
cpSync(join(root, 'presets'), join(stage, 'presets'), { recursive: true });
cpSync(join(root, 'skills'), join(stage, 'skills'), { recursive: true });
cpSync(join(root, 'packages/core/schema'), join(stage, 'schema'), { recursive: true });
writeFileSync(
  join(stage, 'README.md'),
  `# ${packageName}\n\nThe \`factory\` command: gates, guard, skills, evals and durable workflow state for agent-written code.\nSee the project's README and docs/ for how to use it (\`factory init\` in a repository).\n`,
);

// 3. Third-party dependencies, copied with their own dependencies from this clone's node_modules.
const copied = new Map(); // stage-relative folder -> source folder
function packageDirFrom(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}
/** Where a folder of the clone's node_modules goes in the stage: the same place below node_modules. */
function stagePath(source) {
  const real = realpathSync(source);
  const rel = relative(root, real);
  const parts = rel.split(sep);
  // packages/<pkg>/node_modules/x (a workspace's own copy) goes to the top of the stage's node_modules.
  const from = parts[0] === 'packages' ? parts.indexOf('node_modules') : 0;
  return join(stage, ...parts.slice(from));
}
function place(name, fromDir, optional) {
  const source = packageDirFrom(name, fromDir);
  if (!source) {
    if (optional) return;
    console.error(
      `pack: ${name} is not installed (needed from ${relative(root, fromDir) || '.'}); run npm ci.`,
    );
    process.exit(2);
  }
  const target = stagePath(source);
  const previous = copied.get(target);
  if (previous !== undefined) {
    if (previous !== realpathSync(source)) {
      console.error(`pack: two versions of ${name} would land in ${relative(stage, target)}.`);
      process.exit(2);
    }
    return;
  }
  copied.set(target, realpathSync(source));
  cpSync(source, target, {
    recursive: true,
    dereference: true,
    filter: (path) => !relative(source, path).split(sep).includes('node_modules'),
  });
  const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  for (const dep of Object.keys(manifest.dependencies ?? {})) place(dep, realpathSync(source), false);
  for (const dep of Object.keys(manifest.optionalDependencies ?? {})) place(dep, realpathSync(source), true);
}
for (const dep of Object.keys(dependencies)) place(dep, join(root, 'packages/cli'), false);

writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify(
    {
      name: packageName,
      version: cli.version,
      description: 'factory: gates, guard, skills, evals and durable workflow state for agent-written code',
      type: 'module',
      license: 'MIT',
      engines: cli.engines,
      bin: { factory: './dist/bin.js' },
      files: ['dist', 'presets', 'skills', 'schema', 'README.md'],
      dependencies,
      bundleDependencies: Object.keys(dependencies),
    },
    null,
    2,
  )}\n`,
);

// 4. npm's own packer makes the tarball.
const tarball = execFileSync('npm', ['pack', '--pack-destination', outDir, '--loglevel=error', '--json'], {
  cwd: stage,
  encoding: 'utf8',
});
const [{ filename }] = JSON.parse(tarball);
console.log(join(outDir, filename));
