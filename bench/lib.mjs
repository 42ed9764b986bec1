// What every bench script shares: the project root, the built bin, the median, the scratch repositories
// of the gate benches and the CPU time of what a bench started.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * The factory builds a gate bench times: this checkout's, and with BENCH_BASELINE_BIN (the bin.js of
 * another build, e.g. main's in a second checkout) that one too, as "factory (baseline)", interleaved with
 * the others: a change is measured against its baseline under the same load.
 */
export function factoryBins(bench) {
  const bins = { factory: builtBin(bench) };
  const baseline = process.env.BENCH_BASELINE_BIN;
  if (baseline) {
    if (!existsSync(baseline)) {
      console.error(`bench/${bench}: BENCH_BASELINE_BIN ${baseline} does not exist.`);
      process.exit(2);
    }
    bins['factory (baseline)'] = baseline;
  }
  return bins;
}

/** `items` in an order of their own for `round` (a Fisher-Yates shuffle with a fixed seed: repeatable). */
export function shuffled(items, round) {
  const out = [...items];
  let seed = (round + 1) * 2654435761;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The peers of the gate benches, from the npm registry: husky, lint-staged, lefthook (its binary comes in
 * lefthook-<platform>) and prek (@j178/prek-<platform>), installed once with --ignore-scripts into a cache
 * folder in the temp directory. A missing platform binary ends the bench with exit 2.
 */
export function benchTools(bench) {
  const versions = { husky: '9.1.7', 'lint-staged': '16.4.0', lefthook: '2.2.2', '@j178/prek': '0.5.3' };
  const tools = join(tmpdir(), `factory-bench-tools-${Object.values(versions).join('-')}`);
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  if (!existsSync(join(tools, 'node_modules/.installed'))) {
    mkdirSync(tools, { recursive: true });
    writeFileSync(join(tools, 'package.json'), '{"name":"factory-bench-tools","private":true}\n');
    const specs = Object.entries(versions).map(([name, version]) => `${name}@${version}`);
    console.log(`bench/${bench}: installing ${specs.join(' ')} into ${tools}`);
    execFileSync(
      'npm',
      ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
      {
        cwd: tools,
        stdio: 'inherit',
      },
    );
    writeFileSync(join(tools, 'node_modules/.installed'), '');
  }
  const lefthookBin = join(tools, `node_modules/lefthook-linux-${arch}/bin/lefthook`);
  const prekBin = join(tools, `node_modules/@j178/prek-linux-${arch}-gnu/prek`);
  for (const native of [lefthookBin, prekBin]) {
    if (!existsSync(native)) {
      console.error(
        `bench/${bench}: ${native} is missing (the binary comes in a platform package of the registry)`,
      );
      process.exit(2);
    }
  }
  return { tools, lefthookBin, prekBin };
}

/**
 * A scratch folder with a home of its own and the environment every gate bench runs git in (no system or
 * user git config, a fixed author, this node first on PATH). `run` starts a program there and returns its
 * stdout; `cleanup` removes the folder.
 */
export function benchScratch(prefix, extraPath = []) {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  const home = join(scratch, 'home');
  mkdirSync(home);
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@factory.invalid',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@factory.invalid',
    PATH: [dirname(process.execPath), ...extraPath, process.env.PATH].join(':'),
  };
  const run = (cwd, cmd, args) =>
    execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const cleanup = () => rmSync(scratch, { recursive: true, force: true });
  return { scratch, env, run, cleanup };
}

/**
 * A repository of 50 files (a package.json, 45 modules, a few docs), one commit; with `remote`, a bare
 * repository `origin` beside it.
 */
export function makeRepo(bench, name, { remote = false } = {}) {
  const { scratch, run } = bench;
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{\n  "name": "bench",\n  "private": true\n}\n');
  for (let i = 0; i < 45; i++) writeFileSync(join(dir, 'src', `m${i}.js`), `export const v${i} = ${i};\n`);
  for (const doc of ['README.md', 'CHANGELOG.md', 'LICENSE', '.gitignore'])
    writeFileSync(join(dir, doc), `${doc}\n`);
  run(dir, 'git', ['init', '-q', '-b', 'main']);
  run(dir, 'git', ['add', '-A']);
  run(dir, 'git', ['commit', '-q', '-m', 'initial']);
  if (remote) {
    run(scratch, 'git', ['init', '-q', '--bare', `${name}.git`]);
    run(dir, 'git', ['remote', 'add', 'origin', join(scratch, `${name}.git`)]);
  }
  return dir;
}

/**
 * A repository set up by `factory init` (personal mode, base preset) with `gates` as its config's gates
 * section. init runs again after the config changed: the gates refuse a control file changed behind init's
 * back (tamper evidence), so without it the bench would time a refusal.
 */
export function factoryRepo(bench, bin, name, gates, options = {}) {
  const dir = makeRepo(bench, name, options);
  bench.run(dir, process.execPath, [bin, 'init', '--yes', '--preset', 'base']);
  const configFile = join(dir, 'factory.config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.gates = gates;
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  bench.run(dir, process.execPath, [bin, 'init', '--yes', '--preset', 'base']);
  return dir;
}

/**
 * A repository with husky's hooks whose `hook` script is `script`. Like factory's install, only that hook
 * is dispatched (husky's bin stubs all 14, and a commit would pay the dispatch of the others too).
 */
export function huskyRepo(bench, tools, name, hook, script, options = {}) {
  const dir = makeRepo(bench, name, options);
  bench.run(dir, process.execPath, [join(tools, 'node_modules/husky/bin.js')]);
  for (const file of readdirSync(join(dir, '.husky/_'))) {
    if (!['h', 'husky.sh', hook, '.gitignore'].includes(file)) rmSync(join(dir, '.husky/_', file));
  }
  writeFileSync(join(dir, `.husky/${hook}`), script);
  return dir;
}

/** CPU time (user + system, ms) of this process's waited-for children so far, from /proc (Linux). */
export function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}
