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
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchTools, builtBin, median } from './lib.mjs';

const bin = builtBin('pre-push');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const { lefthookBin, prekBin, tools } = benchTools('pre-push');

const scratch = mkdtempSync(join(tmpdir(), 'factory-bench-push-'));
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
  PATH: `${dirname(process.execPath)}:${dirname(lefthookBin)}:${process.env.PATH}`,
};
const run = (cwd, cmd, args) =>
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A repository of 50 files with a bare remote `origin` that has its first commit. */
function makeRepo(name) {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{\n  "name": "bench",\n  "private": true\n}\n');
  for (let i = 0; i < 45; i++) writeFileSync(join(dir, 'src', `m${i}.js`), `export const v${i} = ${i};\n`);
  for (const doc of ['README.md', 'CHANGELOG.md', 'LICENSE', '.gitignore'])
    writeFileSync(join(dir, doc), `${doc}\n`);
  run(dir, 'git', ['init', '-q', '-b', 'main']);
  run(dir, 'git', ['add', '-A']);
  run(dir, 'git', ['commit', '-q', '-m', 'initial']);
  run(scratch, 'git', ['init', '-q', '--bare', `${name}.git`]);
  run(dir, 'git', ['remote', 'add', 'origin', join(scratch, `${name}.git`)]);
  return dir;
}

function huskyWith(name, script) {
  const dir = makeRepo(name);
  run(dir, process.execPath, [join(tools, 'node_modules/husky/bin.js')]);
  for (const hook of readdirSync(join(dir, '.husky/_'))) {
    if (!['h', 'husky.sh', 'pre-push', '.gitignore'].includes(hook)) rmSync(join(dir, '.husky/_', hook));
  }
  writeFileSync(join(dir, '.husky/pre-push'), script);
  return dir;
}

const setups = {
  'plain git push': () => makeRepo('plain'),
  factory: () => {
    const dir = makeRepo('factory');
    run(dir, process.execPath, [bin, 'init', '--yes', '--preset', 'base']);
    const config = JSON.parse(readFileSync(join(dir, 'factory.config.json'), 'utf8'));
    config.gates = { prePush: { commands: ['true'] } };
    writeFileSync(join(dir, 'factory.config.json'), `${JSON.stringify(config, null, 2)}\n`);
    // A changed config is taken on by init (tamper evidence: the gates refuse an unrecorded change).
    run(dir, process.execPath, [bin, 'init', '--yes', '--preset', 'base']);
    return dir;
  },
  'husky (true)': () => huskyWith('husky', 'true\n'),
  lefthook: () => {
    const dir = makeRepo('lefthook');
    writeFileSync(join(dir, 'lefthook.yml'), 'pre-push:\n  commands:\n    trivial:\n      run: "true"\n');
    run(dir, lefthookBin, ['install']);
    return dir;
  },
  prek: () => {
    const dir = makeRepo('prek');
    writeFileSync(
      join(dir, '.pre-commit-config.yaml'),
      'default_install_hook_types: [pre-push]\nrepos:\n  - repo: local\n    hooks:\n      - id: trivial\n        name: trivial\n        entry: "true"\n        language: system\n        pass_filenames: false\n        always_run: true\n        stages: [pre-push]\n',
    );
    run(dir, prekBin, ['install', '--hook-type', 'pre-push']);
    return dir;
  },
};

function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function push(dir, name, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync('git', ['push', '-q', 'origin', ...args], { cwd: dir, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${name}: git push failed: ${r.stderr.trim()}`);
  return ms;
}

// Runs are interleaved (one push per setup in turn), so that a change in the machine's load touches every
// setup alike; CPU is measured around each push alone.
const results = { verified: {}, 'new commit': {} };
const cpu = { verified: {}, 'new commit': {} };
try {
  const dirs = Object.fromEntries(Object.entries(setups).map(([name, setup]) => [name, setup()]));
  // The first push of main goes through each hook once; afterwards main's commit is verified.
  for (const [name, dir] of Object.entries(dirs)) push(dir, name, ['main']);
  for (const kind of ['verified', 'new commit']) {
    const times = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    const cpus = Object.fromEntries(Object.keys(dirs).map((name) => [name, []]));
    for (let i = 0; i < runs + 2; i++) {
      for (const [name, dir] of Object.entries(dirs)) {
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
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
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
  console.log(
    `factory / plain git push: ${(results[kind].factory / plain).toFixed(2)}x${kind === 'verified' ? ' (target <= 1.2x)' : ''}; ` +
      `husky ${(results[kind]['husky (true)'] / plain).toFixed(2)}x, lefthook ${(results[kind].lefthook / plain).toFixed(2)}x, prek ${(results[kind].prek / plain).toFixed(2)}x`,
  );
}
