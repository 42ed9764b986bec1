// One of the 8 racing processes of race.test.ts: claims tasks from the shared pool, moves each 1 to 3 steps
// along the ticket workflow, releases it, now and then tries to take a task by id (which must be refused
// while another owner holds it), until every task has ended. It reports every change it committed.
// The pool is a repository's SQLite state (a folder) or a PostgreSQL database (a postgres:// URL): each
// process opens its own connection, as orchestrators on several machines would.
import { openWorkflowStore } from '@factory/core/state/open-workflow-store';

const [target, owner, seedText, tasksText] = process.argv.slice(2);
const TASKS = Number(tasksText);
let seed = Number(seedText);
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const next = {
  new: 'start',
  coding: 'test',
  testing: 'review',
  reviewing: 'approve',
  merging: 'merge',
  merged: 'finish',
};
const open = ['new', 'coding', 'testing', 'reviewing', 'merging', 'merged'];

const store = target.startsWith('postgres://')
  ? await openWorkflowStore('/nonexistent', { url: target })
  : await openWorkflowStore(target, { busyTimeoutMs: 30_000 });
const claims = [];
const moves = [];
const releases = [];
let refusals = 0;
let idle = 0;

// Start together: say ready, wait for the test's go on stdin.
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();

async function work(task) {
  claims.push([task.id, task.version, owner]);
  if (task.owner !== owner) throw new Error(`claim returned task ${task.id} held by ${task.owner}`);
  let current = task;
  const steps = 1 + Math.floor(random() * 3);
  for (let i = 0; i < steps && current.phase !== 'terminal'; i++) {
    current = (
      await store.move(current.id, next[current.state], { actor: owner, expectVersion: current.version })
    ).task;
    moves.push([current.id, current.version, owner]);
  }
  if (current.phase !== 'terminal') {
    current = await store.release(current.id, owner);
    releases.push([current.id, current.version, owner]);
  }
}

for (;;) {
  if (random() < 0.2) {
    // Try to take a random task by id: refused unless it happens to be free.
    const id = 1 + Math.floor(random() * TASKS);
    let task;
    try {
      task = await store.claimTask(id, owner, 120);
    } catch (error) {
      if (!/is held by|has ended/.test(error.message)) throw error;
      refusals++;
    }
    if (task) await work(task);
    continue;
  }
  const task = await store.claim({ owner, ttlSeconds: 120, states: open });
  if (task) {
    await work(task);
    continue;
  }
  if ((await store.list({ phase: 'active' })).length + (await store.list({ phase: 'handoff' })).length === 0)
    break;
  idle++;
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await store.close();
process.stdout.write(`${JSON.stringify({ owner, claims, moves, releases, refusals, idle })}\n`);
