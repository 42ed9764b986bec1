import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  jsonOf,
  makeTempRepo,
  runFactory,
  type TempRepo,
  type TestDatabase,
  testPostgres,
} from '@factory/testkit';

const postgres = testPostgres();

describe('factory task and status with FACTORY_STATE_URL (PostgreSQL)', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  let db: TestDatabase;
  let laptop: TempRepo;
  let server: TempRepo;
  before(async () => {
    db = await createTestDatabase('url' in postgres ? postgres.url : '');
    laptop = makeTempRepo({ files: { 'README.md': '# app\n' } });
    server = makeTempRepo({ files: { 'README.md': '# app\n' } });
  });
  after(async () => {
    laptop.cleanup();
    server.cleanup();
    await db.drop();
  });
  const on =
    (repo: TempRepo, url = db.url) =>
    (...args: string[]) =>
      runFactory(args, { cwd: repo.dir, env: { ...repo.env, FACTORY_STATE_URL: url } });

  it('two clones on two machines share one queue: add on one, claim and move on the other', async () => {
    const a = on(laptop);
    const b = on(server);
    const added = jsonOf<{ created: boolean; task: { id: number } }>(
      a('task', 'add', 'ship it', '--key', 'gh:o/r#7', '--json'),
    );
    assert.equal(added.created, true);
    const claimed = jsonOf<{ id: number; owner: string; version: number }>(
      b('task', 'claim', '--owner', 'orchestrator-2', '--ttl', '60', '--json'),
    );
    assert.equal(claimed.id, added.task.id);
    assert.equal(claimed.owner, 'orchestrator-2');
    const refused = a('task', 'claim', '--owner', 'orchestrator-1', '--ttl', '60');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^factory: no task is free to claim/);
    const moved = b(
      'task',
      'move',
      'gh:o/r#7',
      'start',
      '--owner',
      'orchestrator-2',
      '--expect-version',
      String(claimed.version),
    );
    assert.equal(moved.status, 0, moved.stderr);
    const stale = a(
      'task',
      'move',
      'gh:o/r#7',
      'test',
      '--owner',
      'orchestrator-2',
      '--expect-version',
      String(claimed.version),
    );
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /at version 3, not 2/);
    const shown = jsonOf<{ task: { state: string }; log: Array<{ event: string }>; resources: unknown[] }>(
      a('task', 'show', 'gh:o/r#7', '--json'),
    );
    assert.equal(shown.task.state, 'coding');
    assert.deepEqual(
      shown.log.map((e) => e.event),
      ['create', 'claim', 'start'],
    );
    assert.match(a('task', 'list').stdout, /#\d+ ticket:coding v3 held by orchestrator-2/);
    assert.match(a('task', 'log').stdout, /start +new -> coding +by orchestrator-2/);

    const status = jsonOf<{
      database: string;
      tasks: { total: number };
      leases: { held: Array<{ owner: string }> };
    }>(a('status', '--json'));
    assert.equal(status.tasks.total, 1);
    assert.deepEqual(
      status.leases.held.map((l) => l.owner),
      ['orchestrator-2'],
    );
    assert.match(status.database, /^postgres:\/\/factory@127\.0\.0\.1:\d+\/factory_test_/);
    assert.ok(!status.database.includes('factory-test-only'), 'the password is never shown');
    const recovered = jsonOf<{ expired: unknown[]; resources: unknown[] }>(a('task', 'recover', '--json'));
    assert.deepEqual(recovered, { expired: [], resources: [] });
    // Nothing of this went into either clone's SQLite state.
    assert.equal(existsSync(laptop.path('.factory', 'state.db')), false);
    assert.equal(existsSync(server.path('.factory', 'state.db')), false);
    // Resources are on PostgreSQL too, each with its host: a worker's process, attached by its holder, is
    // reclaimed (SIGTERM) by a recovery on this machine once the holder let go of the task.
    const worker = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((done) =>
      worker.on('exit', (_code, signal) => done(signal)),
    );
    try {
      const attached = jsonOf<{ kind: string; value: string; owner: string }>(
        b('task', 'attach', 'gh:o/r#7', 'pid', String(worker.pid), '--json'),
      );
      assert.deepEqual([attached.kind, attached.owner], ['pid', 'orchestrator-2']);
      const other = jsonOf<{ task: { id: number } }>(a('task', 'add', 'other', '--json'));
      const taken = a('task', 'attach', String(other.task.id), 'pid', String(worker.pid));
      assert.equal(taken.status, 1, taken.stderr);
      assert.match(taken.stderr, /already held by task/);
      assert.deepEqual(
        jsonOf<{ resources: unknown[] }>(a('task', 'recover', '--json')).resources,
        [],
        'still in use',
      );
      assert.equal(b('task', 'release', 'gh:o/r#7', '--owner', 'orchestrator-2').status, 0);
      const reclaimed = jsonOf<{ resources: Array<{ action: string; outcome: string }> }>(
        a('task', 'recover', '--json'),
      );
      assert.deepEqual(
        reclaimed.resources.map((r) => [r.action, r.outcome]),
        [['released', 'process terminated (SIGTERM)']],
      );
      assert.equal(await exited, 'SIGTERM');
      const shown = jsonOf<{ resources: Array<{ releasedAt: string | null }> }>(
        b('task', 'show', 'gh:o/r#7', '--json'),
      );
      assert.notEqual(shown.resources[0]!.releasedAt, null);
    } finally {
      worker.kill();
    }
    assert.equal(existsSync(laptop.path('.factory', 'state.db')), false, 'still nothing in SQLite');
  });

  it("the config's state.url works like FACTORY_STATE_URL; a bad URL or a wrong password is one sentence, exit 2", () => {
    writeFileSync(laptop.path('factory.config.json'), `${JSON.stringify({ state: { url: db.url } })}\n`);
    try {
      const listed = runFactory(['task', 'list', '--json'], { cwd: laptop.dir, env: laptop.env });
      assert.equal(jsonOf<unknown[]>(listed).length, 2, 'the two tasks of the first test');
      const wrong = new URL(db.url);
      wrong.password = 'nope';
      const denied = on(laptop, wrong.toString())('task', 'list');
      assert.equal(denied.status, 2);
      assert.match(
        denied.stderr,
        /^factory: the PostgreSQL server of postgres:\/\/factory@127\.0\.0\.1:\d+\/\w+ refused the user name or password/,
      );
      assert.equal(denied.stderr.trim().split('\n').length, 1);
      const bad = on(laptop, 'sqlite:///tmp/x.db')('task', 'list');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /FACTORY_STATE_URL is not a postgres:\/\/ URL/);
    } finally {
      writeFileSync(laptop.path('factory.config.json'), '{}\n');
    }
  });
});
