#!/usr/bin/env node
// bench/startup: wall time of the factory start-up paths against `node -e 0`.
// Median of N runs (default 25) of each command, process start to exit, measured with the runtime's
// own high-resolution timer around spawnSync. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtBin, median, projectRoot } from './lib.mjs';

const _root = projectRoot;
const bin = builtBin('startup');
const runs = Number(process.env.BENCH_RUNS ?? 25);
const scratch = mkdtempSync(join(tmpdir(), 'factory-bench-'));
spawnSync('git', ['init', '--quiet', scratch]);
const payload = JSON.stringify({
  session_id: 'bench',
  transcript_path: join(scratch, 't.jsonl'),
  cwd: scratch,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: 'Bash',
  tool_input: { command: 'ls', description: 'list files' },
  tool_use_id: 'toolu_bench',
});

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'factory --version', args: [bin, '--version'] },
  { name: 'factory hook pre-tool-use', args: [bin, 'hook', 'pre-tool-use'], input: payload },
  { name: 'factory --help (yargs)', args: [bin, '--help'] },
];

const results = [];
for (const c of cases) {
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: scratch, input: c.input ?? '', encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) {
      console.error(`bench/startup: ${c.name} exited ${r.status}: ${r.stderr.trim()}`);
      process.exit(1);
    }
    if (i >= 2) times.push(ms); // two warm-up runs fill the page cache
  }
  results.push({ name: c.name, medianMs: median(times) });
}
rmSync(scratch, { recursive: true, force: true });

const base = results[0].medianMs;
console.log(`bench/startup: node ${process.version}, ${runs} runs each, median wall time`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(28)} ${r.medianMs.toFixed(1).padStart(7)} ms  ${(r.medianMs / base).toFixed(2)}x node -e 0`,
  );
}
