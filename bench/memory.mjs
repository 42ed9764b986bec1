#!/usr/bin/env node
// bench/memory: wall time of the memory hooks (session-start, user-prompt-submit) against `node -e 0`,
// in a repository whose state.db holds 200 memory entries, and for a repository without state (the
// common case, where the hook must cost next to nothing). Median of N runs (default 25), process start
// to exit, measured around spawnSync. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtBin, median, projectRoot } from './lib.mjs';

const root = projectRoot;
const bin = builtBin('memory');
const runs = Number(process.env.BENCH_RUNS ?? 25);
const withMemory = mkdtempSync(join(tmpdir(), 'factory-bench-memory-'));
const empty = mkdtempSync(join(tmpdir(), 'factory-bench-empty-'));
for (const dir of [withMemory, empty]) spawnSync('git', ['init', '--quiet', dir]);

const { StateStore, stateDbPath } = await import(join(root, 'packages/core/dist/index.js'));
const { addMemory } = await import(join(root, 'packages/gates/dist/state/memory.js'));
const store = StateStore.open({ path: stateDbPath(withMemory) });
const topics = ['database', 'deploy', 'release', 'payments', 'auth', 'docs', 'tests', 'ci'];
for (let i = 0; i < 200; i++) {
  const topic = topics[i % topics.length];
  addMemory(store, {
    text: `Note ${i} about ${topic}: keep the ${topic} conventions described in docs/${topic}.md in mind.`,
    tags: [topic],
    ...(i % 5 === 0 ? { paths: [`src/${topic}/**`] } : {}),
  });
}
store.close();

const payload = (cwd, event, extra = {}) =>
  JSON.stringify({ session_id: 'bench', cwd, hook_event_name: event, ...extra });
const cases = [
  { name: 'node -e 0', args: ['-e', '0'], cwd: empty },
  {
    name: 'stop (no-opinion baseline)',
    args: [bin, 'hook', 'stop'],
    cwd: empty,
    input: payload(empty, 'Stop', { stop_hook_active: false }),
  },
  {
    name: 'session-start, no state.db',
    args: [bin, 'hook', 'session-start'],
    cwd: empty,
    input: payload(empty, 'SessionStart', { source: 'startup' }),
  },
  {
    name: 'session-start, 200 entries',
    args: [bin, 'hook', 'session-start'],
    cwd: withMemory,
    input: payload(withMemory, 'SessionStart', { source: 'startup' }),
  },
  {
    name: 'user-prompt-submit, 200 entries',
    args: [bin, 'hook', 'user-prompt-submit'],
    cwd: withMemory,
    input: payload(withMemory, 'UserPromptSubmit', { prompt: 'fix the deploy script for the release' }),
  },
];

const results = [];
for (const c of cases) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, c.args, { cwd: c.cwd, input: c.input ?? '', encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) {
      console.error(`bench/memory: ${c.name} exited ${r.status}: ${r.stderr.trim()}`);
      process.exit(1);
    }
    bytes = r.stdout.length;
    if (i >= 2) times.push(ms);
  }
  results.push({ name: c.name, medianMs: median(times), outputChars: bytes });
}
for (const dir of [withMemory, empty]) rmSync(dir, { recursive: true, force: true });

const base = results[0].medianMs;
console.log(`bench/memory: median of ${runs} runs, node ${process.version}`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(34)} ${r.medianMs.toFixed(1).padStart(7)} ms  ${(r.medianMs / base).toFixed(2)}x node -e 0  output ${r.outputChars} chars`,
  );
}
