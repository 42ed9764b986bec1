import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { stateDbPath } from '@factory/core';
import { openRepositoryState } from '@factory/core/state/repository';
import { recordGateRun } from '@factory/gates/state/gate-runs';
import { createTestDatabase, makeTempRepo, runFactory, type TempRepo, testPostgres } from '@factory/testkit';

/**
 * The reading commands answer from a state.db this user can only read (a read-only file and folder):
 * with the WAL left beside it by the hooks, and after it was checkpointed away. As root no permission
 * stops a write, so the commands then run as `nobody`.
 */
const asReader = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {};

function readOnlyRepository(keepWal: boolean): TempRepo {
  const repo = makeTempRepo({ files: { 'README.md': 'x\n' } });
  const state = openRepositoryState(repo.dir);
  state.tasks.add({ title: 'write the docs', actor: 'tester' });
  recordGateRun(state.store, {
    gate: 'pre-commit',
    status: 'passed',
    durationMs: 12,
    startedAt: new Date().toISOString(),
    checks: [],
  });
  if (!keepWal)
    state.close(); // the last close checkpoints the WAL into state.db and removes it
  else state.store.db.exec('PRAGMA wal_autocheckpoint = 0');
  const db = stateDbPath(repo.dir);
  assert.equal(existsSync(`${db}-wal`), keepWal);
  // Readable by anyone, writable by no one but root; the temporary folders above open to others.
  for (
    let dir = dirname(repo.dir);
    dir !== dirname(dir) && statSync(dir).uid === statSync(repo.dir).uid;
    dir = dirname(dir)
  ) {
    chmodSync(dir, 0o755);
    if (dir === '/tmp' || dir.split('/').length <= 2) break;
  }
  for (const file of readdirSync(dirname(db))) chmodSync(join(dirname(db), file), 0o444);
  chmodSync(dirname(db), 0o555);
  return repo;
}

for (const keepWal of [true, false]) {
  describe(`reading commands on a read-only state.db (${keepWal ? 'WAL beside it' : 'checkpointed'})`, () => {
    it('task list, task show, task log, status, gate history and guard log answer; a write is one sentence', () => {
      const repo = readOnlyRepository(keepWal);
      try {
        const run = (...args: string[]) => runFactory(args, { cwd: repo.dir, env: repo.env, ...asReader });
        const list = run('task', 'list', '--json');
        assert.equal(list.status, 0, list.stderr);
        assert.deepEqual(
          (JSON.parse(list.stdout) as Array<{ title: string }>).map((t) => t.title),
          ['write the docs'],
        );
        for (const args of [['task', 'show', '1'], ['task', 'log'], ['status'], ['guard', 'log']]) {
          const result = run(...args, '--json');
          assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
          JSON.parse(result.stdout);
        }
        const history = run('gate', 'history', '--json');
        assert.equal(history.status, 0, history.stderr);
        assert.equal((JSON.parse(history.stdout) as Array<{ gate: string }>)[0]!.gate, 'pre-commit');
        const status = JSON.parse(run('status', '--json').stdout) as { tasks: { total: number } };
        assert.equal(status.tasks.total, 1);

        const add = run('task', 'add', 'another');
        assert.equal(add.status, 2, add.stdout);
        assert.equal(add.stderr.trim().split('\n').length, 1, add.stderr);
        assert.match(add.stderr, /cannot be written|read-only/);
      } finally {
        chmodSync(dirname(stateDbPath(repo.dir)), 0o755);
        repo.cleanup();
      }
    });
  });
}

const postgres = testPostgres();

describe('status with FACTORY_STATE_URL on a read-only state.db', {
  skip: 'skip' in postgres ? postgres.skip : false,
}, () => {
  it("answers with the shared tasks; this clone's rows are reported unsynced (its owner's sync ships them)", async () => {
    const db = await createTestDatabase('url' in postgres ? postgres.url : '');
    const repo = readOnlyRepository(false);
    try {
      const status = runFactory(['status', '--json'], {
        cwd: repo.dir,
        env: { ...repo.env, FACTORY_STATE_URL: db.url },
        ...asReader,
      });
      assert.equal(status.status, 0, status.stderr);
      const document = JSON.parse(status.stdout) as {
        tasks: { total: number };
        team: { gates: { repositories: unknown[] } };
      };
      assert.equal(document.tasks.total, 0, 'the tasks are the shared ones');
      assert.deepEqual(document.team.gates.repositories, []);
      const sync = runFactory(['state', 'sync', '--json'], {
        cwd: repo.dir,
        env: { ...repo.env, FACTORY_STATE_URL: db.url },
        ...asReader,
      });
      assert.equal(sync.status, 0, sync.stderr);
      const report = JSON.parse(sync.stdout) as { repositories: Array<{ note?: string }> };
      assert.match(
        report.repositories[0]!.note ?? '',
        /state\.db cannot be written \(read-only file or folder\)/,
      );
    } finally {
      chmodSync(dirname(stateDbPath(repo.dir)), 0o755);
      repo.cleanup();
      await db.drop();
    }
  });
});
