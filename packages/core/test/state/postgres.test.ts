import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase, testPostgres, withDatabase } from '@factory/testkit';
import pg from 'pg';
import { FactoryError } from '../../src/errors.js';
import { openWorkflowStore } from '../../src/state/open-workflow-store.js';
import { PostgresWorkflowStore } from '../../src/state/postgres/tasks.js';
import { reclaimTaskResources } from '../../src/state/resources.js';
import { WorkflowSet } from '../../src/workflow/workflow.js';

const postgres = testPostgres();

async function refusedOpen(url: string): Promise<string> {
  try {
    const store = await openWorkflowStore('/nonexistent', { url, urlSource: 'FACTORY_STATE_URL' });
    await store.close();
  } catch (error) {
    assert.ok(error instanceof FactoryError, `expected a FactoryError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes('\n'), 'one sentence');
    return error.message;
  }
  assert.fail('expected the open to be refused');
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('workflow state on PostgreSQL: schema and errors', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let db: TestDatabase;
  const url = () => ('url' in postgres ? postgres.url : '');
  before(async () => {
    db = await createTestDatabase(url());
  });
  after(async () => {
    await db.drop();
  });

  it('an unreachable server, bad credentials, a missing database: one sentence each, never the password', async () => {
    const port = await closedPort();
    const unreachable = new URL(db.url);
    unreachable.port = String(port);
    assert.match(
      await refusedOpen(unreachable.toString()),
      new RegExp(
        `^cannot reach the PostgreSQL server of postgres://factory@127\\.0\\.0\\.1:${port}/${db.name} \\(connection refused\\); start it`,
      ),
    );
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password';
    const credentials = await refusedOpen(wrong.toString());
    assert.match(credentials, /refused the user name or password; fix them in FACTORY_STATE_URL/);
    assert.ok(!credentials.includes('not-the-password'));
    assert.match(
      await refusedOpen(withDatabase(db.url, 'factory_no_such_db')),
      /factory_no_such_db does not exist/,
    );
    assert.match(await refusedOpen('mysql://x@y/z'), /FACTORY_STATE_URL is not a postgres:\/\/ URL/);
  });

  it('migrates once under concurrent openers; a schema from a newer factory is refused and left untouched', async () => {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openWorkflowStore('/nonexistent', { url: db.url })),
    );
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      assert.deepEqual((await client.query('SELECT owner, version FROM schema_versions')).rows, [
        { owner: 'core', version: 2 },
      ]);
      await client.query(`UPDATE schema_versions SET version = 7 WHERE owner = 'core'`);
      const before = (
        await client.query(
          `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
        )
      ).rows;
      assert.match(
        await refusedOpen(db.url),
        /was written by a newer factory \(core schema version 7, this one knows 2\); upgrade factory, nothing was changed\./,
      );
      assert.deepEqual((await client.query('SELECT owner, version FROM schema_versions')).rows, [
        { owner: 'core', version: 7 },
      ]);
      assert.deepEqual(
        (
          await client.query(
            `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
          )
        ).rows,
        before,
      );
      await client.query(`UPDATE schema_versions SET version = 2 WHERE owner = 'core'`);
    } finally {
      await client.end();
    }
  });

  it('the log is append-only on the server: UPDATE and DELETE of task_log are refused', async () => {
    const store = await openWorkflowStore('/nonexistent', { url: db.url });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { task } = await store.add({ title: 'kept' });
      await assert.rejects(
        client.query(`UPDATE task_log SET actor = 'someone else' WHERE task_id = ${task.id}`),
        /append-only/,
      );
      await assert.rejects(client.query(`DELETE FROM task_log WHERE task_id = ${task.id}`), /append-only/);
      assert.deepEqual(await store.audit(), []);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it("resources name their host: recovery on one machine never touches another machine's", async () => {
    const here = await PostgresWorkflowStore.open(db.url, {
      workflows: WorkflowSet.defaults(),
      host: 'here',
    });
    const there = await PostgresWorkflowStore.open(db.url, {
      workflows: WorkflowSet.defaults(),
      host: 'there',
    });
    try {
      const { task } = await here.add({ title: 'spans two machines' });
      await here.move(task.id, 'start', { actor: 'me' });
      const dead = String(spawnSync('true').pid);
      // The same port and pid on two hosts are two resources; each host's recovery sees only its own.
      await here.resources.attach(task.id, 'port', '4200');
      await there.resources.attach(task.id, 'port', '4200');
      await there.resources.attach(task.id, 'pid', dead);
      assert.deepEqual(await reclaimTaskResources(process.cwd(), here.resources), []);
      assert.deepEqual(
        (await reclaimTaskResources(process.cwd(), there.resources)).map((r) => r.outcome),
        ['process had exited'],
      );
      assert.equal((await here.resources.list(task.id, true)).length, 2);
    } finally {
      await here.close();
      await there.close();
    }
  });
});
