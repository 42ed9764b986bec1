#!/usr/bin/env node
// bench/state-backends: the workflow store on SQLite and on PostgreSQL, beside a peer job queue (pg-boss) on
// the same PostgreSQL server, after `npm run build`. For each, with 1 and with 8 processes at once:
//   claims/s  claim one free task (a lease) until the pool is empty; pg-boss: fetch one job;
//   moves/s   one compare-and-set transition with its log row; pg-boss: complete a fetched job;
//   claim latency p50/p99 with 8 processes claiming from one pool;
//   anomalies: the store's log audit, a task claimed twice, a move or claim lost; for pg-boss a job
//   fetched twice or not completed. Must be 0.
// The PostgreSQL server is FACTORY_TEST_POSTGRES_URL or the one scripts/test-postgres.sh starts on loopback
// (a default cluster: fsync on, synchronous_commit on). Every process opens its own connection(s).
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkflowStore } from '@factory/core/state/open-workflow-store';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { median, projectRoot } from './lib.mjs';

const PROCESSES = 8;
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 800); // pool size per run
const MOVES = Number(process.env.BENCH_MOVES ?? 1600); // moves per run, split among the processes
const runs = Number(process.env.BENCH_RUNS ?? 3);
const QUEUE = 'bench';

const cycle = (state) => (state === 'coding' ? 'test' : 'fix');

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function serverUrl() {
  if (process.env.FACTORY_TEST_POSTGRES_URL) return process.env.FACTORY_TEST_POSTGRES_URL;
  return execFileSync('bash', [join(projectRoot, 'scripts', 'test-postgres.sh')], {
    encoding: 'utf8',
  }).trim();
}

async function freshDatabase(url, name) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

async function openStore(target) {
  return target.startsWith('postgres://')
    ? openWorkflowStore('/nonexistent', { url: target })
    : openWorkflowStore(target, { busyTimeoutMs: 60_000 });
}

// ---- children -------------------------------------------------------------------------------------------

/** One process of a run: waits for the common start, claims or moves, reports its counts and latencies. */
async function child() {
  const [, , , kind, target, mode, index, share, startAt] = process.argv;
  const owner = `bench-${index}`;
  const latencies = [];
  const seen = [];
  let done = 0;
  let boss;
  let store;
  if (kind === 'pg-boss') {
    boss = new PgBoss({
      connectionString: target,
      supervise: false,
      schedule: false,
      migrate: false,
      max: 2,
    });
    boss.on('error', () => {});
    await boss.start();
  } else store = await openStore(target);
  const mine = mode === 'move' && store ? await store.list({ owner }) : [];
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const started = performance.now();
  if (mode === 'claim') {
    for (;;) {
      const t0 = performance.now();
      let id;
      if (boss) id = (await boss.fetch(QUEUE, { batchSize: 1 }))[0]?.id;
      else id = (await store.claim({ owner, ttlSeconds: 600 }))?.id;
      if (id === undefined) break;
      latencies.push(performance.now() - t0);
      seen.push(id);
      done++;
    }
  } else if (boss) {
    // A move of pg-boss: fetch a job (created -> active) and complete it (active -> completed).
    for (let i = 0; i < Number(share); i++) {
      const job = (await boss.fetch(QUEUE, { batchSize: 1 }))[0];
      if (!job) break;
      await boss.complete(QUEUE, job.id);
      seen.push(job.id);
      done++;
    }
  } else {
    const versions = new Map(mine.map((t) => [t.id, { version: t.version, state: t.state }]));
    for (let i = 0; i < Number(share); i++) {
      const task = mine[i % mine.length];
      const known = versions.get(task.id);
      const { task: moved } = await store.move(task.id, cycle(known.state), {
        actor: owner,
        expectVersion: known.version,
      });
      versions.set(task.id, { version: moved.version, state: moved.state });
      done++;
    }
  }
  const end = Date.now();
  const ms = performance.now() - started;
  if (boss) await boss.stop({ graceful: false, close: true });
  else await store.close();
  process.send({ done, ms, latencies, seen, end });
}

function runChildren(kind, target, mode, processes, share) {
  const startAt = Date.now() + 2500; // every child has connected by then
  const children = Array.from({ length: processes }, (_, i) =>
    fork(new URL(import.meta.url).pathname, [
      'child',
      kind,
      target,
      mode,
      String(i),
      String(share),
      String(startAt),
    ]),
  );
  return Promise.all(
    children.map(
      (c) =>
        new Promise((resolve, reject) => {
          let result;
          c.on('message', (m) => {
            result = m;
          });
          c.on('exit', (code) =>
            code === 0 ? resolve(result) : reject(new Error(`${kind} child exited ${code}`)),
          );
        }),
    ),
  ).then((results) => ({ results, wallMs: Math.max(...results.map((r) => r.end)) - startAt }));
}

// ---- one backend ----------------------------------------------------------------------------------------

/** Fresh state for a run: a folder (SQLite) or a database (PostgreSQL, pg-boss). */
async function prepare(kind, server, label) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'factory-bench-'));
    return { target: dir, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `factory_bench_${label}`;
  const target = await freshDatabase(server, name);
  return {
    target,
    dispose: async () => {
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function storeClaims(kind, server, processes) {
  const { target, dispose } = await prepare(kind, server, `${kind}_claims`);
  try {
    const store = await openStore(target);
    for (let i = 0; i < CLAIMS; i++) await store.add({ title: `pool ${i}` });
    const { results, wallMs } = await runChildren(kind, target, 'claim', processes, 0);
    const ids = results.flatMap((r) => r.seen);
    const claimed = (await store.list()).filter((t) => t.owner !== null).length;
    const anomalies =
      (await store.audit()).length + (ids.length - new Set(ids).size) + Math.abs(claimed - CLAIMS);
    await store.close();
    return { rate: ids.length / (wallMs / 1000), latencies: results.flatMap((r) => r.latencies), anomalies };
  } finally {
    await dispose();
  }
}

async function storeMoves(kind, server, processes) {
  const { target, dispose } = await prepare(kind, server, `${kind}_moves`);
  try {
    const store = await openStore(target);
    // Each process moves its own 5 tasks (held by it): the contention is on the database, not on rows.
    for (let p = 0; p < processes; p++) {
      for (let i = 0; i < 5; i++) {
        const { task } = await store.add({ title: `p${p}-${i}` });
        await store.claimTask(task.id, `bench-${p}`, 3600);
        await store.move(task.id, 'start', { actor: `bench-${p}` });
      }
    }
    const share = Math.floor(MOVES / processes);
    const { results, wallMs } = await runChildren(kind, target, 'move', processes, share);
    const total = results.reduce((n, r) => n + r.done, 0);
    const logged = (await store.log(undefined, 10_000_000)).filter((e) => e.kind === 'move').length;
    const anomalies = (await store.audit()).length + Math.abs(logged - (total + processes * 5));
    await store.close();
    return { rate: total / (wallMs / 1000), anomalies };
  } finally {
    await dispose();
  }
}

async function bossPool(target, count) {
  const boss = new PgBoss({ connectionString: target, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(QUEUE);
  for (let i = 0; i < count; i += 500) {
    await boss.insert(
      QUEUE,
      Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ data: { n: i + j } })),
    );
  }
  return boss;
}

async function bossCount(target, state) {
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  const n = (
    await client.query('SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = $2', [
      QUEUE,
      state,
    ])
  ).rows[0].n;
  await client.end();
  return n;
}

async function bossClaims(server, processes) {
  const { target, dispose } = await prepare('pg-boss', server, 'pgboss_claims');
  try {
    const boss = await bossPool(target, CLAIMS);
    const { results, wallMs } = await runChildren('pg-boss', target, 'claim', processes, 0);
    const ids = results.flatMap((r) => r.seen);
    const active = await bossCount(target, 'active');
    const anomalies =
      ids.length - new Set(ids).size + Math.abs(ids.length - CLAIMS) + Math.abs(active - CLAIMS);
    await boss.stop({ graceful: false, close: true });
    return { rate: ids.length / (wallMs / 1000), latencies: results.flatMap((r) => r.latencies), anomalies };
  } finally {
    await dispose();
  }
}

async function bossMoves(server, processes) {
  const { target, dispose } = await prepare('pg-boss', server, 'pgboss_moves');
  try {
    const share = Math.floor(MOVES / processes);
    const boss = await bossPool(target, share * processes);
    const { results, wallMs } = await runChildren('pg-boss', target, 'move', processes, share);
    const ids = results.flatMap((r) => r.seen);
    const completed = await bossCount(target, 'completed');
    // A move of pg-boss is fetch + complete: two transitions, counted as the one move they make together.
    const anomalies =
      ids.length -
      new Set(ids).size +
      Math.abs(completed - ids.length) +
      Math.abs(ids.length - share * processes);
    await boss.stop({ graceful: false, close: true });
    return { rate: ids.length / (wallMs / 1000), anomalies };
  } finally {
    await dispose();
  }
}

async function main() {
  const server = serverUrl();
  const rows = [];
  let anomalies = 0;
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const ms = (n) => `${n.toFixed(2)} ms`;
  for (const kind of ['sqlite', 'postgres', 'pg-boss']) {
    const figures = { c1: [], c8: [], m1: [], m8: [], p50: [], p99: [] };
    for (let r = 0; r < runs; r++) {
      const claims1 = kind === 'pg-boss' ? await bossClaims(server, 1) : await storeClaims(kind, server, 1);
      const claims8 =
        kind === 'pg-boss' ? await bossClaims(server, PROCESSES) : await storeClaims(kind, server, PROCESSES);
      const moves1 = kind === 'pg-boss' ? await bossMoves(server, 1) : await storeMoves(kind, server, 1);
      const moves8 =
        kind === 'pg-boss' ? await bossMoves(server, PROCESSES) : await storeMoves(kind, server, PROCESSES);
      figures.c1.push(claims1.rate);
      figures.c8.push(claims8.rate);
      figures.m1.push(moves1.rate);
      figures.m8.push(moves8.rate);
      figures.p50.push(percentile(claims8.latencies, 50));
      figures.p99.push(percentile(claims8.latencies, 99));
      anomalies += claims1.anomalies + claims8.anomalies + moves1.anomalies + moves8.anomalies;
    }
    rows.push([
      kind,
      fmt(median(figures.c1)),
      fmt(median(figures.c8)),
      fmt(median(figures.m1)),
      fmt(median(figures.m8)),
      `${ms(median(figures.p50))} / ${ms(median(figures.p99))}`,
    ]);
  }
  console.log(
    `bench/state-backends: median of ${runs} runs, pools of ${CLAIMS} tasks, ${MOVES} moves per run`,
  );
  console.log(
    '| backend | claims/s, 1 process | claims/s, 8 processes | moves/s, 1 process | moves/s, 8 processes | claim latency p50 / p99 (8 processes) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(`anomalies (log audits, double claims, lost or doubled moves or jobs): ${anomalies}`);
  if (anomalies !== 0) process.exitCode = 1;
}

if (process.argv[2] === 'child') await child();
else await main();
