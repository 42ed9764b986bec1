#!/usr/bin/env node
// bench/pre-commit: wall time of `git commit` of a one-file change in a 50-file repository, with
//   - no hook (plain git),
//   - factory's pre-commit gate (personal init: one trivial task on the staged files + the built-in checks,
//     secrets included),
//   - husky + lint-staged running the same trivial task,
//   - lefthook running the same trivial task,
//   - prek (pre-commit in Rust) running the same trivial task.
// The trivial task is `true` on the staged *.js files. Tools come from the npm registry (husky, lint-staged,
// lefthook with its lefthook-<platform> binary package, @j178/prek with its @j178/prek-<platform> binary
// package), installed once with --ignore-scripts into a cache folder in the temp directory.
// Median of N runs each (BENCH_RUNS, default 15), after 2 warm-up runs. Run after `npm run build`.
// BENCH_BASELINE_BIN=<other checkout>/packages/cli/dist/bin.js adds that build as "factory (baseline)",
// interleaved with the rest: a change measured against the build before it, under the same load.
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  benchScratch,
  benchTools,
  childrenCpuMs,
  factoryBins,
  factoryRepo,
  huskyRepo,
  makeRepo,
  median,
  shuffled,
} from './lib.mjs';

const bins = factoryBins('pre-commit');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const { lefthookBin, prekBin, tools } = benchTools('pre-commit');
const bench = benchScratch('factory-bench-');
const { env, run } = bench;
const huskyWith = (name, script) => huskyRepo(bench, tools, name, 'pre-commit', script);
/** The config of the factory setups: one trivial task on the staged *.js files. */
const factoryGates = { preCommit: { tasks: { '*.js': 'true' } } };

const setups = {
  'plain git commit': () => makeRepo(bench, 'plain'),
  ...Object.fromEntries(
    Object.entries(bins).map(([name, bin], i) => [
      name,
      () => factoryRepo(bench, bin, `factory${i}`, factoryGates),
    ]),
  ),
  'husky + lint-staged': () => {
    const dir = makeRepo(bench, 'husky');
    symlinkSync(join(tools, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
    writeFileSync(join(dir, '.lintstagedrc.json'), '{ "*.js": "true" }\n');
    run(dir, process.execPath, [join(tools, 'node_modules/husky/bin.js')]);
    writeFileSync(join(dir, '.husky/pre-commit'), 'lint-staged\n');
    return dir;
  },
  // The floor of any Node-based gate behind husky: the same husky dispatch (.husky/_/h: sh, dirname,
  // basename, sh -e), then a bare node process; then one that does the least a pre-commit gate must do
  // (list the staged files with one git process, run the task on them). Not contenders: lower bounds.
  'floor: husky + node -e 0': () => huskyWith('floor-node', `'${process.execPath}' -e 0\n`),
  'floor: husky + node, git diff + task': () =>
    huskyWith(
      'floor-gate',
      `'${process.execPath}' -e "const { execFileSync: x } = require('node:child_process'); const f = x('git', ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMRT']).toString().split('\\\\0').filter((p) => p.endsWith('.js')); if (f.length) x('true', f);"\n`,
    ),
  lefthook: () => {
    const dir = makeRepo(bench, 'lefthook');
    writeFileSync(
      join(dir, 'lefthook.yml'),
      'pre-commit:\n  commands:\n    trivial:\n      glob: "*.js"\n      run: true {staged_files}\n',
    );
    run(dir, lefthookBin, ['install']);
    return dir;
  },
  prek: () => {
    const dir = makeRepo(bench, 'prek');
    writeFileSync(
      join(dir, '.pre-commit-config.yaml'),
      'repos:\n  - repo: local\n    hooks:\n      - id: trivial\n        name: trivial\n        entry: "true"\n        language: system\n        files: \\.js$\n',
    );
    run(dir, prekBin, ['install']);
    return dir;
  },
};

// Runs are interleaved (one commit per setup in turn, in a new order each round), so that a change in the
// machine's load touches every setup alike; CPU is measured around each commit alone.
const results = {};
const cpu = {};
/** Each run's wall time of a setup over the same run's of another, interleaved: their median (see below). */
let paired = () => Number.NaN;
try {
  const dirs = Object.fromEntries(Object.entries(setups).map(([name, setup]) => [name, setup()]));
  const times = Object.fromEntries(Object.keys(setups).map((name) => [name, []]));
  const cpus = Object.fromEntries(Object.keys(setups).map((name) => [name, []]));
  for (let i = 0; i < runs + 2; i++) {
    // A new order each round: what ran just before biased a setup's wall time (measured: the same build
    // 10 to 15% quicker right after plain git's light commit than right after factory's), so no setup
    // keeps its place or its neighbour.
    for (const [name, dir] of shuffled(Object.entries(dirs), i)) {
      const envForRun = name === 'lefthook' ? { ...env, PATH: `${dirname(lefthookBin)}:${env.PATH}` } : env;
      writeFileSync(join(dir, 'src/m0.js'), `export const v0 = ${i + 1};\n`);
      run(dir, 'git', ['add', 'src/m0.js']);
      const cpuBefore = childrenCpuMs();
      const start = process.hrtime.bigint();
      const r = spawnSync('git', ['commit', '-q', '-m', `change ${i}`], {
        cwd: dir,
        env: envForRun,
        encoding: 'utf8',
      });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${name}: git commit failed: ${r.stderr.trim()}`);
      if (i >= 2) {
        times[name].push(ms);
        cpus[name].push(childrenCpuMs() - cpuBefore);
      }
    }
  }
  for (const name of Object.keys(setups)) {
    results[name] = median(times[name]);
    cpu[name] = cpus[name].reduce((a, b) => a + b, 0) / cpus[name].length;
  }
  paired = (a, b) => median(times[a].map((ms, i) => ms / times[b][i]));
} finally {
  bench.cleanup();
}

console.log(`bench/pre-commit: node ${process.version}, ${runs} runs each, median wall time of git commit`);
console.log(
  '(runs interleaved; wall: median; cpu: mean user+system time of git commit and everything it started)',
);
for (const [name, ms] of Object.entries(results)) {
  console.log(
    `${name.padEnd(22)} wall ${ms.toFixed(1).padStart(7)} ms   cpu ${cpu[name].toFixed(1).padStart(6)} ms`,
  );
}
const f = results.factory;
console.log(
  `factory / husky + lint-staged: ${(f / results['husky + lint-staged']).toFixed(2)}x (target <= 0.5x)`,
);
console.log(`factory / lefthook:            ${(f / results.lefthook).toFixed(2)}x (target <= 1.5x)`);
console.log(`factory / prek:                ${(f / results.prek).toFixed(2)}x`);
const floor = results['floor: husky + node, git diff + task'];
console.log(
  `floor / lefthook:              ${(floor / results.lefthook).toFixed(2)}x (husky + node + git diff + task, no checks, no state)`,
);
console.log(
  `factory / floor:               ${(f / floor).toFixed(2)}x wall (target <= 1.15x), ${(cpu.factory / cpu['floor: husky + node, git diff + task']).toFixed(2)}x cpu`,
);
// The runs of one round follow one another within a fraction of a second: the ratio of two setups' runs
// in the same round shares that moment's load, which the medians of runs far apart do not (on a busy
// machine their wall times swing by tens of milliseconds).
console.log(
  `factory / floor, paired:       ${paired('factory', 'floor: husky + node, git diff + task').toFixed(2)}x wall (the median of each round's ratio)`,
);
const baseline = results['factory (baseline)'];
if (baseline !== undefined) {
  console.log(
    `factory (baseline) / floor:    ${(baseline / floor).toFixed(2)}x wall, ${(cpu['factory (baseline)'] / cpu['floor: husky + node, git diff + task']).toFixed(2)}x cpu; factory / baseline ${(f / baseline).toFixed(2)}x wall, ${(cpu.factory / cpu['factory (baseline)']).toFixed(2)}x cpu`,
  );
}
const c = cpu.factory;
console.log(
  `cpu ratios: factory / husky + lint-staged ${(c / cpu['husky + lint-staged']).toFixed(2)}x, factory / lefthook ${(c / cpu.lefthook).toFixed(2)}x, factory / prek ${(c / cpu.prek).toFixed(2)}x`,
);
