#!/usr/bin/env node
// bench/sweep: `factory sweep` over 100 local repositories with local bare remotes, against a bare shell
// loop of `git fetch` + `git status` over the same repositories (sequential, and with xargs -P 4).
// Wall time: median of N runs (BENCH_RUNS, default 3) timed with the runtime's high-resolution clock.
// Peak memory: the sweep process's maximum resident set size from GNU time (/usr/bin/time -f %M), at
// 25, 50 and 100 repositories, to show how memory scales. Run after `npm run build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtBin, median, projectRoot } from './lib.mjs';

const _root = projectRoot;
const bin = builtBin('sweep');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const count = Number(process.env.BENCH_REPOS ?? 100);
const scratch = mkdtempSync(join(tmpdir(), 'factory-bench-sweep-'));
const env = {
  ...process.env,
  HOME: join(scratch, 'home'),
  FACTORY_HOME: join(scratch, 'factory-home'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@factory.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@factory.invalid',
};
mkdirSync(env.HOME, { recursive: true });
const git = (args, cwd = scratch) =>
  execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });

// One template clone with a real `factory init`, copied 100 times with a bare remote each.
const template = join(scratch, 'template');
git(['init', '--quiet', '--initial-branch', 'main', template]);
writeFileSync(join(template, 'README.md'), '# bench\n');
git(['add', '-A'], template);
git(['commit', '--quiet', '-m', 'init'], template);
const bare = join(scratch, 'template.git');
git(['clone', '--quiet', '--bare', template, bare]);
const clone = join(scratch, 'clone');
git(['clone', '--quiet', bare, clone]);
execFileSync(process.execPath, [bin, 'init', '--yes'], { cwd: clone, env, stdio: 'ignore' });
const dirs = [];
for (let i = 0; i < count; i++) {
  const dir = join(scratch, 'repos', `r${String(i).padStart(3, '0')}`);
  const remote = join(scratch, 'remotes', `r${i}.git`);
  cpSync(bare, remote, { recursive: true });
  cpSync(clone, dir, { recursive: true });
  const config = join(dir, '.git', 'config');
  writeFileSync(config, readFileSync(config, 'utf8').replace(bare, remote).replaceAll(clone, dir));
  dirs.push(dir);
}
const manifestFor = (n) => {
  const file = join(scratch, `repos-${n}.yaml`);
  writeFileSync(
    file,
    `repositories:\n${dirs
      .slice(0, n)
      .map((d) => `  - path: ${d}\n`)
      .join('')}`,
  );
  return file;
};
const manifest = manifestFor(count);
const list = join(scratch, 'dirs.txt');
writeFileSync(list, `${dirs.join('\n')}\n`);

function time(command, args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    console.error(
      `bench/sweep: ${command} ${args.slice(0, 3).join(' ')} exited ${result.status}: ${result.stderr}`,
    );
    process.exit(1);
  }
  return ms;
}
function bench(name, command, args) {
  time(command, args); // warm the page cache once
  const values = Array.from({ length: runs }, () => time(command, args));
  return { name, ms: median(values) };
}

const loop =
  'while read d; do git -C "$d" fetch --quiet origin && git -C "$d" status --porcelain >/dev/null; done';
const rows = [
  bench(`bare loop, sequential (${count} repos)`, 'bash', ['-c', `${loop} < ${list}`]),
  bench(`bare loop, xargs -P 4 (${count} repos)`, 'bash', [
    '-c',
    `xargs -P 4 -I{} sh -c 'git -C {} fetch --quiet origin && git -C {} status --porcelain >/dev/null' < ${list}`,
  ]),
  bench(`factory sweep --concurrency 1`, process.execPath, [
    bin,
    'sweep',
    '--manifest',
    manifest,
    '--json',
    '--concurrency',
    '1',
  ]),
  bench(`factory sweep (default concurrency)`, process.execPath, [
    bin,
    'sweep',
    '--manifest',
    manifest,
    '--json',
  ]),
];
const parallel = rows[1].ms;
console.log(
  `bench/sweep: ${count} local repositories, median of ${runs} runs, ${availableParallelism()} CPUs`,
);
for (const row of rows) {
  console.log(
    `  ${row.name.padEnd(42)} ${(row.ms / 1000).toFixed(2).padStart(7)} s  ${(row.ms / parallel).toFixed(2)}x the parallel bare loop`,
  );
}

console.log('peak memory of factory sweep (max RSS, default concurrency):');
for (const n of [Math.round(count / 4), Math.round(count / 2), count]) {
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, bin, 'sweep', '--manifest', manifestFor(n), '--json'],
    {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const kb = Number(result.stderr.trim().split('\n').pop());
  console.log(`  ${String(n).padStart(4)} repositories: ${(kb / 1024).toFixed(1)} MiB`);
}
rmSync(scratch, { recursive: true, force: true });
