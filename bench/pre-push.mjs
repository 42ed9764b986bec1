#!/usr/bin/env node
// bench/pre-push: wall time of `git push` to a bare remote on the same machine, 50-file repository, with
//   - no hook (plain git push),
//   - factory (personal init, base preset, one pre-push command `true`),
//   - husky running `true` in .husky/pre-push, lefthook and prek (pre-push stage) running `true`.
// Two kinds of push, each timed for every setup:
//   - "verified": a commit that already went to this remote through the gate is pushed again under a new
//     branch name (a retried push, the same commit to a second branch): nothing new leaves the machine.
//     The target: factory within 1.2x of plain git push (it starts no node process: the hook's shell finds
//     the gate's mark for the commit).
//   - "new commit": a one-file commit on top: factory scans it for secrets and runs the command.
// Peers run their command every time (none of them remembers a result). Median of BENCH_RUNS (default 15)
// after 2 warm-up runs; CPU is the mean user+system time of git and everything it started.
// BENCH_BASELINE_BIN=<other checkout>/packages/cli/dist/bin.js adds that build as "factory (baseline)".
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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

const bins = factoryBins('pre-push');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const { lefthookBin, prekBin, tools } = benchTools('pre-push');
const bench = benchScratch('factory-bench-push-', [dirname(lefthookBin)]);
const { env, run } = bench;
const remote = { remote: true };

const setups = {
  'plain git push': () => makeRepo(bench, 'plain', remote),
  ...Object.fromEntries(
    Object.entries(bins).map(([name, bin], i) => [
      name,
      () => factoryRepo(bench, bin, `factory${i}`, { prePush: { commands: ['true'] } }, remote),
    ]),
  ),
  'husky (true)': () => huskyRepo(bench, tools, 'husky', 'pre-push', 'true\n', remote),
  lefthook: () => {
    const dir = makeRepo(bench, 'lefthook', remote);
    writeFileSync(join(dir, 'lefthook.yml'), 'pre-push:\n  commands:\n    trivial:\n      run: "true"\n');
    run(dir, lefthookBin, ['install']);
    return dir;
  },
  prek: () => {
    const dir = makeRepo(bench, 'prek', remote);
    writeFileSync(
      join(dir, '.pre-commit-config.yaml'),
      'default_install_hook_types: [pre-push]\nrepos:\n  - repo: local\n    hooks:\n      - id: trivial\n        name: trivial\n        entry: "true"\n        language: system\n        pass_filenames: false\n        always_run: true\n        stages: [pre-push]\n',
    );
    run(dir, prekBin, ['install', '--hook-type', 'pre-push']);
    return dir;
  },
};

function push(dir, name, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync('git', ['push', '-q', 'origin', ...args], { cwd: dir, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${name}: git push failed: ${r.stderr.trim()}`);
  return ms;
}

// Runs are interleaved (one push per setup in turn, in a new order each round), so that a change in the
// machine's load touches every setup alike; CPU is measured around each push alone.
const results = { verified: {}, 'new commit': {} };
const cpu = { verified: {}, 'new commit': {} };
/** Per kind: the median over rounds of factory's wall time over plain git push's in the same round. */
const paired = { verified: Number.NaN, 'new commit': Number.NaN };
try {
  const dirs = Object.fromEntries(Object.entries(setups).map(([name, setup]) => [name, setup()]));
  // The first push of main goes through each hook once; afterwards main's commit is verified.
  for (const [name, dir] of Object.entries(dirs)) push(dir, name, ['main']);
  for (const kind of ['verified', 'new commit']) {
    const times = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    const cpus = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    for (let i = 0; i < runs + 2; i++) {
      // A new order each round, so that no setup keeps its place or its neighbour (see bench/pre-commit.mjs).
      for (const [name, dir] of shuffled(Object.entries(dirs), i)) {
        if (kind === 'new commit') {
          writeFileSync(join(dir, 'src/m0.js'), `export const v0 = ${i + 1};\n`);
          // Through the hooks (untimed): factory's reference-transaction hook refuses a --no-verify commit.
          run(dir, 'git', ['commit', '-q', '-am', `change ${i}`]);
        }
        const before = childrenCpuMs();
        const ms = push(dir, name, kind === 'verified' ? [`HEAD:refs/heads/again-${i}`] : ['main']);
        if (i >= 2) {
          times[name].push(ms);
          cpus[name].push(childrenCpuMs() - before);
        }
      }
    }
    for (const name of Object.keys(dirs)) {
      results[kind][name] = median(times[name]);
      cpu[kind][name] = cpus[name].reduce((a, b) => a + b, 0) / cpus[name].length;
    }
    // The pushes of one round follow one another: their ratio shares that moment's load.
    paired[kind] = median(times.factory.map((ms, i) => ms / times['plain git push'][i]));
  }
} finally {
  bench.cleanup();
}

console.log(`bench/pre-push: node ${process.version}, ${runs} runs each, median wall time of git push`);
for (const kind of Object.keys(results)) {
  console.log(
    `\n${kind === 'verified' ? 'push of an already-verified commit (new branch name)' : 'push of a new commit'}:`,
  );
  for (const [name, ms] of Object.entries(results[kind])) {
    console.log(
      `${name.padEnd(16)} wall ${ms.toFixed(1).padStart(7)} ms   cpu ${cpu[kind][name].toFixed(1).padStart(6)} ms`,
    );
  }
  const plain = results[kind]['plain git push'];
  const baseline = results[kind]['factory (baseline)'];
  if (baseline !== undefined)
    console.log(`factory (baseline) / plain git push: ${(baseline / plain).toFixed(2)}x`);
  console.log(
    `factory / plain git push: ${(results[kind].factory / plain).toFixed(2)}x${kind === 'verified' ? ' (target <= 1.2x)' : ''}; ` +
      `husky ${(results[kind]['husky (true)'] / plain).toFixed(2)}x, lefthook ${(results[kind].lefthook / plain).toFixed(2)}x, prek ${(results[kind].prek / plain).toFixed(2)}x`,
  );
  console.log(
    `factory / plain git push, paired: ${paired[kind].toFixed(2)}x (the median of each round's ratio); cpu ${(cpu[kind].factory / cpu[kind]['plain git push']).toFixed(2)}x`,
  );
}
