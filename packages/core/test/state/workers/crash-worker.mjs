// The victim of crash.test.ts: works on the shared pool as fast as it can, in transactions of several
// statements (claim, moves, a resource, a release), until the test kills it with SIGKILL. After each commit
// it prints `C <task> <version>`: a line printed is a transaction committed, which must survive the kill.
import { openRepositoryState } from '@factory/core/state/repository';

const [dir, owner] = process.argv.slice(2);
const state = openRepositoryState(dir, { busyTimeoutMs: 30_000 });
const flip = { new: 'start', coding: 'block', blocked: 'unblock' };
let n = 0;
process.stdout.write('ready\n');
for (;;) {
  // One transaction of several changes: either all of them are in the database after the kill, or none.
  const task = state.store.write(() => {
    const claimed = state.tasks.claim({ owner, ttlSeconds: 1, states: ['new', 'coding', 'blocked'] });
    if (!claimed) return undefined;
    let current = claimed;
    for (let i = 0; i < 3; i++) {
      current = state.tasks.move(current.id, flip[current.state], {
        actor: owner,
        expectVersion: current.version,
      }).task;
    }
    if (n === 0) state.resources.attach(current.id, 'pid', String(process.pid), owner);
    return current;
  });
  if (!task) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    continue;
  }
  process.stdout.write(`C ${task.id} ${task.version}\n`);
  n++;
  // Keep some leases when killed; give most back, so that the pool does not run dry.
  if (n % 5 !== 0) {
    const released = state.tasks.release(task.id, owner);
    process.stdout.write(`C ${released.id} ${released.version}\n`);
  }
}
