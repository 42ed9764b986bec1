#!/usr/bin/env node
// bench/state: throughput and latency of the workflow state store (.factory/state.db), after `npm run build`.
//   1. transitions/s in one process: 10,000 moves, each a compare-and-set on (id, version) plus its log row,
//      every one its own BEGIN IMMEDIATE transaction (median of BENCH_RUNS runs, default 3);
//   2. aggregate transitions/s with 8 processes moving at once (same shape, one database, wall clock from
//      the common start to the last finish), then an audit of every task's log: anomalies must be 0;
//   3. claim latency p50/p99 with 8 processes claiming from one pool at once.
// Durability: WAL + synchronous=NORMAL (what StateStore opens with); the bare-loop figure printed first is the
// same transaction shape on raw node:sqlite, for comparison.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openRepositoryState } from '@factory/core/state/repository';
import { median } from './lib.mjs';

const PROCESSES = 8;
const SINGLE_MOVES = 10_000;
const MOVES_PER_PROCESS = Number(process.env.BENCH_MOVES_PER_PROCESS ?? 2500);
const CLAIMS_PER_PROCESS = Number(process.env.BENCH_CLAIMS_PER_PROCESS ?? 250);
const runs = Number(process.env.BENCH_RUNS ?? 3);

// Moves that cycle forever in the ticket workflow: coding -> testing -> coding ... (test, fix)
const cycle = (state) => (state === 'coding' ? 'test' : 'fix');

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function open(dir) {
  return openRepositoryState(dir, { busyTimeoutMs: 60_000 });
}

/** Child: waits for the common start time, then moves its own tasks or claims from the pool. */
async function worker() {
  const [, , , dir, mode, index, startAt] = process.argv;
  const state = open(dir);
  const owner = `bench-${index}`;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const started = performance.now();
  const latencies = [];
  let moves = 0;
  if (mode === 'move') {
    const mine = state.tasks.list({ owner });
    const versions = new Map(mine.map((t) => [t.id, { version: t.version, state: t.state }]));
    for (let i = 0; i < MOVES_PER_PROCESS; i++) {
      const task = mine[i % mine.length];
      const known = versions.get(task.id);
      const { task: moved } = state.tasks.move(task.id, cycle(known.state), {
        actor: owner,
        expectVersion: known.version,
      });
      versions.set(task.id, { version: moved.version, state: moved.state });
      moves++;
    }
  } else {
    for (let i = 0; i < CLAIMS_PER_PROCESS; i++) {
      const t0 = performance.now();
      const task = state.tasks.claim({ owner, ttlSeconds: 600 });
      latencies.push(performance.now() - t0);
      if (!task) break;
    }
  }
  const ms = performance.now() - started;
  state.close();
  process.send({ moves, ms, latencies, end: Date.now() });
}

function runWorkers(dir, mode) {
  const startAt = Date.now() + 1500; // every child has opened the database by then
  const children = Array.from({ length: PROCESSES }, (_, i) =>
    fork(new URL(import.meta.url).pathname, ['worker', dir, mode, String(i), String(startAt)]),
  );
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve, reject) => {
          let result;
          child.on('message', (m) => {
            result = m;
          });
          child.on('exit', (code) =>
            code === 0 ? resolve(result) : reject(new Error(`worker exited ${code}`)),
          );
        }),
    ),
  ).then((results) => ({ results, startAt }));
}

function bareLoop() {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-'));
  const db = new DatabaseSync(join(dir, 'bare.db'));
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT, version INTEGER);
    CREATE TABLE log (id INTEGER PRIMARY KEY, task INTEGER, f TEXT, t TEXT, at INTEGER);
    INSERT INTO t VALUES (1, 'a', 0);`);
  const select = db.prepare('SELECT * FROM t WHERE id = ?');
  const update = db.prepare('UPDATE t SET state = ?, version = version + 1 WHERE id = ? AND version = ?');
  const insert = db.prepare('INSERT INTO log (task, f, t, at) VALUES (?, ?, ?, ?)');
  const start = performance.now();
  for (let i = 0; i < SINGLE_MOVES; i++) {
    db.exec('BEGIN IMMEDIATE');
    const row = select.get(1);
    const to = row.state === 'a' ? 'b' : 'a';
    update.run(to, 1, row.version);
    insert.run(1, row.state, to, Date.now());
    db.exec('COMMIT');
  }
  const rate = SINGLE_MOVES / ((performance.now() - start) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

function singleProcess(synchronous = 'NORMAL') {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-'));
  const state = open(dir);
  state.store.db.exec(`PRAGMA synchronous = ${synchronous}`);
  const { task } = state.tasks.add({ title: 'bench' });
  let current = state.tasks.move(task.id, 'start', { actor: 'bench' }).task;
  const start = performance.now();
  for (let i = 0; i < SINGLE_MOVES; i++) {
    current = state.tasks.move(current.id, cycle(current.state), {
      actor: 'bench',
      expectVersion: current.version,
    }).task;
  }
  const rate = SINGLE_MOVES / ((performance.now() - start) / 1000);
  const anomalies = state.tasks.audit().length;
  state.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate, anomalies };
}

async function aggregate() {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-'));
  const state = open(dir);
  // Each process moves its own 10 tasks (claimed by it), so the contention is on the database lock.
  for (let p = 0; p < PROCESSES; p++) {
    for (let i = 0; i < 10; i++) {
      const { task } = state.tasks.add({ title: `p${p}-${i}`, priority: 1 });
      state.tasks.claimTask(task.id, `bench-${p}`, 3600);
      state.tasks.move(task.id, 'start', { actor: `bench-${p}` });
    }
  }
  const { results, startAt } = await runWorkers(dir, 'move');
  const wallMs = Math.max(...results.map((r) => r.end)) - startAt;
  const total = results.reduce((sum, r) => sum + r.moves, 0);
  const logged = state.store.db.prepare("SELECT count(*) AS n FROM task_log WHERE kind = 'move'").get().n;
  const anomalies = state.tasks.audit().length + Math.abs(logged - (total + PROCESSES * 10));
  state.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: total / (wallMs / 1000), total, anomalies };
}

async function claims() {
  const dir = mkdtempSync(join(tmpdir(), 'factory-bench-'));
  const state = open(dir);
  state.store.write(() => {
    for (let i = 0; i < PROCESSES * CLAIMS_PER_PROCESS; i++) state.tasks.add({ title: `pool ${i}` });
  });
  const { results } = await runWorkers(dir, 'claim');
  const latencies = results.flatMap((r) => r.latencies);
  const owners = state.store.db
    .prepare("SELECT count(*) AS n, count(DISTINCT task_id) AS d FROM task_log WHERE kind = 'claim'")
    .get();
  const anomalies = state.tasks.audit().length + (owners.n - owners.d);
  state.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: latencies.length,
    anomalies,
  };
}

async function main() {
  const bare = [];
  const single = [];
  const agg = [];
  const claim = [];
  const full = [];
  let anomalies = 0;
  for (let r = 0; r < runs; r++) {
    bare.push(bareLoop());
    const s = singleProcess();
    single.push(s.rate);
    const f = singleProcess('FULL');
    full.push(f.rate);
    anomalies += f.anomalies;
    const a = await aggregate();
    agg.push(a.rate);
    const c = await claims();
    claim.push(c);
    anomalies += s.anomalies + a.anomalies + c.anomalies;
  }
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`bench/state: node ${process.version}, WAL + synchronous=NORMAL, median of ${runs} runs`);
  console.log(`bare node:sqlite loop, 1 process       ${fmt(median(bare)).padStart(8)} transitions/s`);
  console.log(
    `factory move, 1 process (${fmt(SINGLE_MOVES)})     ${fmt(median(single)).padStart(8)} transitions/s  (${(median(single) / median(bare)).toFixed(2)}x bare)`,
  );
  console.log(
    `  same with synchronous=FULL             ${fmt(median(full)).padStart(8)} transitions/s  (fsync at every commit; not chosen)`,
  );
  console.log(
    `factory move, ${PROCESSES} processes (${fmt(PROCESSES * MOVES_PER_PROCESS)})   ${fmt(median(agg)).padStart(8)} transitions/s aggregate`,
  );
  console.log(
    `claim latency, ${PROCESSES} processes (${claim[0].count})    p50 ${median(claim.map((c) => c.p50)).toFixed(2)} ms, p99 ${median(claim.map((c) => c.p99)).toFixed(2)} ms`,
  );
  console.log(`anomalies (audit of every task log, lost or doubled rows): ${anomalies}`);
  if (anomalies > 0) process.exitCode = 1;
}

if (process.argv[2] === 'worker') await worker();
else await main();
