// The victim of crash-store.test.ts: works on the shared pool through the WorkflowStore (its own
// connection: SQLite file or PostgreSQL URL) as fast as it can until the test kills it with SIGKILL. After
// each change it prints `C <task> <version>`: a line printed is a transaction committed, which must survive.
import { openWorkflowStore } from '@factory/core/state/open-workflow-store';

const [target, owner] = process.argv.slice(2);
const store = target.startsWith('postgres://')
  ? await openWorkflowStore('/nonexistent', { url: target })
  : await openWorkflowStore(target, { busyTimeoutMs: 30_000 });
const flip = { new: 'start', coding: 'block', blocked: 'unblock' };
const committed = (task) => process.stdout.write(`C ${task.id} ${task.version}\n`);
let n = 0;
process.stdout.write('ready\n');
for (;;) {
  const claimed = await store.claim({ owner, ttlSeconds: 1, states: ['new', 'coding', 'blocked'] });
  if (!claimed) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    continue;
  }
  committed(claimed);
  let current = claimed;
  for (let i = 0; i < 3; i++) {
    current = (
      await store.move(current.id, flip[current.state], { actor: owner, expectVersion: current.version })
    ).task;
    committed(current);
  }
  n++;
  // Keep some leases when killed; give most back, so that the pool does not run dry.
  if (n % 5 !== 0) committed(await store.release(current.id, owner));
}
