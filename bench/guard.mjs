#!/usr/bin/env node
// bench/guard: wall time of one PreToolUse decision, process start to exit (audit write included), for
// several kinds of payload, against `node -e 0` and against cc-safety-net (a peer guard, pinned as a
// devDependency) on the same payloads. Median of N runs (BENCH_RUNS, default 21) of each; the contenders
// run interleaved round by round so that load on a shared machine hits them alike.
// BENCH_BASELINE_BIN=<other checkout>/packages/cli/dist/bin.js adds that build as "factory (baseline)", in
// a repository of its own initialised by it, interleaved with the others: a change against its baseline
// under the same load (printed after the usual table).
// Run after `npm run build`: node bench/guard.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factoryBins, median, projectRoot } from './lib.mjs';

const root = projectRoot;
const bins = factoryBins('guard');
const bin = bins.factory;
const baselineBin = bins['factory (baseline)'];
const safetyNet = join(root, 'node_modules/cc-safety-net/dist/bin/cc-safety-net.js');
if (!existsSync(safetyNet)) {
  console.error(`bench/guard: ${safetyNet} is missing; run npm install (cc-safety-net is a devDependency).`);
  process.exit(2);
}
const runs = Number(process.env.BENCH_RUNS ?? 21);
const scratch = mkdtempSync(join(tmpdir(), 'factory-bench-guard-'));

/** A repository on a feature branch, initialised by `initBin` as a user has it. */
function setUp(name, initBin) {
  const repo = join(scratch, name, 'repo');
  const home = join(scratch, name, 'home');
  mkdirSync(join(repo, 'src'), { recursive: true });
  mkdirSync(home, { recursive: true });
  spawnSync('git', ['init', '--quiet', '-b', 'feature/bench', repo]);
  writeFileSync(join(repo, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(repo, 'factory.config.json'), '{"guard": {"protectedBranches": ["main"]}}\n');
  const env = { ...process.env, HOME: home, CLAUDE_PROJECT_DIR: repo };
  // After `factory init`, so that every decision pays for the tamper check of the control files init
  // recorded (BENCH_NO_INIT=1 measures a repository without it).
  if (process.env.BENCH_NO_INIT !== '1') {
    const init = spawnSync(process.execPath, [initBin, 'init', '--yes'], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    if (init.status !== 0) {
      console.error(`bench/guard: factory init failed: ${init.stderr.trim()}`);
      process.exit(1);
    }
  }
  return { repo, env };
}
const main = setUp('main', bin);
const baseline = baselineBin ? setUp('baseline', baselineBin) : undefined;

const payload = (repo, tool_name, tool_input) =>
  JSON.stringify({
    session_id: 'bench',
    transcript_path: join(scratch, 't.jsonl'),
    cwd: repo,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name,
    tool_input,
    tool_use_id: 'toolu_bench',
  });

const kinds = [
  { name: 'Bash allow: ls -la', input: (r) => payload(r, 'Bash', { command: 'ls -la' }), expect: 'allow' },
  {
    name: 'Bash allow: commit heredoc',
    input: (r) =>
      payload(r, 'Bash', {
        command: 'git add -A && git commit -m "$(cat <<\'EOF\'\nfeat: x\n\nCo-Authored-By: Claude\nEOF\n)"',
      }),
    expect: 'allow',
  },
  {
    name: 'Bash deny: reset --hard',
    input: (r) => payload(r, 'Bash', { command: 'git reset --hard HEAD~1' }),
    expect: 'deny',
  },
  {
    name: 'Bash deny: nested rm -rf ~',
    input: (r) => payload(r, 'Bash', { command: `bash -c "sudo env X=1 rm -rf ~/"` }),
    expect: 'deny',
  },
  {
    name: 'Edit allow: src/a.ts',
    input: (r) => payload(r, 'Edit', { file_path: join(r, 'src/a.ts'), old_string: '1', new_string: '2' }),
    expect: 'allow',
  },
  {
    name: 'Read deny: .env',
    input: (r) => payload(r, 'Read', { file_path: join(r, '.env') }),
    expect: 'deny',
  },
];

function decisionOf(stdout) {
  const text = stdout.trim();
  if (!text.startsWith('{')) return 'allow';
  const parsed = JSON.parse(text);
  return parsed.hookSpecificOutput?.permissionDecision ?? parsed.decision ?? 'allow';
}

const contenders = [
  { name: 'node -e 0', args: ['-e', '0'], at: main },
  { name: 'factory hook pre-tool-use', args: [bin, 'hook', 'pre-tool-use'], at: main },
  { name: 'cc-safety-net hook', args: [safetyNet, 'hook', '--claude-code'], at: main },
  ...(baseline
    ? [{ name: 'factory (baseline)', args: [baselineBin, 'hook', 'pre-tool-use'], at: baseline }]
    : []),
];

/**
 * CPU time (user + system) of the children reaped so far, from /proc/self/stat (Linux): on a busy shared
 * machine wall time swings with the load, CPU time much less. Clock ticks (10 ms) are coarse, so only the
 * sum over all runs of a contender is used.
 */
const ticksPerMs = 100 / 1000;
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / ticksPerMs;
  } catch {
    return Number.NaN;
  }
}

function once(contender, kind) {
  const { repo, env } = contender.at;
  const input = kind.input(repo);
  const cpuBefore = childrenCpuMs();
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, contender.args, { cwd: repo, env, input, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, cpu: childrenCpuMs() - cpuBefore, result };
}

const rows = [];
for (const kind of kinds) {
  const times = contenders.map(() => []);
  const cpu = contenders.map(() => 0);
  const decisions = contenders.map(() => new Set());
  for (let round = 0; round < runs + 2; round++) {
    contenders.forEach((contender, i) => {
      const { ms, cpu: cpuMs, result } = once(contender, kind);
      if ((i === 1 || i === 3) && result.status !== 0) {
        console.error(`bench/guard: ${contender.name} exited ${result.status}: ${result.stderr.trim()}`);
        process.exit(1);
      }
      if (i > 0) decisions[i].add(decisionOf(result.stdout) + (result.status === 2 ? ' (exit 2)' : ''));
      if (round >= 2) {
        times[i].push(ms); // two warm-up rounds fill the page cache
        cpu[i] += cpuMs;
      }
    });
  }
  const factoryDecision = [...decisions[1]].join('/');
  for (const i of baseline ? [1, 3] : [1]) {
    const answered = [...decisions[i]].join('/');
    if (answered !== kind.expect) {
      console.error(
        `bench/guard: ${contenders[i].name} answered ${answered} for "${kind.name}", expected ${kind.expect}`,
      );
      process.exit(1);
    }
  }
  rows.push({
    kind: kind.name,
    node: median(times[0]),
    factory: median(times[1]),
    safetyNet: median(times[2]),
    baseline: baseline ? median(times[3]) : undefined,
    factoryDecision,
    safetyNetDecision: [...decisions[2]].join('/'),
    cpu: cpu.map((total) => total / runs),
  });
}
rmSync(scratch, { recursive: true, force: true });

const fmt = (ms) => `${ms.toFixed(1).padStart(6)} ms`;
console.log(
  `bench/guard: node ${process.version}, ${runs} runs each (interleaved), median wall time of one PreToolUse decision`,
);
console.log(
  `${'payload'.padEnd(30)} ${'node -e 0'.padStart(9)}  ${'factory'.padStart(9)} ${'ratio'.padStart(6)}  ${'cc-safety-net'.padStart(9)} ${'ratio'.padStart(6)}  decisions (factory / cc-safety-net)`,
);
for (const row of rows) {
  console.log(
    `${row.kind.padEnd(30)} ${fmt(row.node)}  ${fmt(row.factory)} ${(row.factory / row.node).toFixed(2).padStart(5)}x  ${fmt(row.safetyNet)} ${(row.safetyNet / row.node).toFixed(2).padStart(5)}x  ${row.factoryDecision} / ${row.safetyNetDecision}`,
  );
}
const overall = (key) => median(rows.map((row) => row[key] / row.node));
if (rows.every((row) => row.cpu.every(Number.isFinite))) {
  console.log('CPU time (user + system) per decision, mean over the runs:');
  for (const row of rows) {
    const [node, factory, net] = row.cpu;
    console.log(
      `${row.kind.padEnd(30)} ${fmt(node)}  ${fmt(factory)} ${(factory / node).toFixed(2).padStart(5)}x  ${fmt(net)} ${(net / node).toFixed(2).padStart(5)}x`,
    );
  }
}
console.log(
  `median ratio to node -e 0: factory ${overall('factory').toFixed(2)}x, cc-safety-net ${overall('safetyNet').toFixed(2)}x (target for factory: at most 1.5x)`,
);
if (baseline) {
  console.log(
    `factory (baseline) ${baselineBin}, interleaved with the above (wall / CPU, ratio to node -e 0):`,
  );
  for (const row of rows) {
    const [node, factory, , base] = row.cpu;
    console.log(
      `${row.kind.padEnd(30)} baseline ${fmt(row.baseline)} ${(row.baseline / row.node).toFixed(2).padStart(5)}x / ${fmt(base)} ${(base / node).toFixed(2).padStart(5)}x   factory ${fmt(row.factory)} ${(row.factory / row.node).toFixed(2).padStart(5)}x / ${fmt(factory)} ${(factory / node).toFixed(2).padStart(5)}x`,
    );
  }
  console.log(`median ratio to node -e 0: factory (baseline) ${overall('baseline').toFixed(2)}x`);
}
