import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';
import { stateDbPath } from '../../src/paths.js';
import { StateStore } from '../../src/state/store.js';

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Another application's SQLite file where factory expects its own: refused, and left byte for byte. */
describe('state store and a database that is not factory’s', () => {
  for (const kind of ['tables without a schema version', 'another application id'] as const) {
    it(`refuses ${kind}: one sentence, exit 2, the file untouched`, () => {
      const repo = makeTempRepo({ files: { 'README.md': 'x\n' } });
      try {
        const file = stateDbPath(repo.dir);
        mkdirSync(dirname(file), { recursive: true });
        const other = new DatabaseSync(file);
        other.exec(
          'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)',
        );
        if (kind === 'another application id')
          other.exec('PRAGMA application_id = 1234; PRAGMA user_version = 2');
        other.close();
        const before = digest(file);
        const listing = readdirSync(dirname(file)).sort();

        assert.throws(() => StateStore.open({ path: file }), /another application's SQLite database/);
        const cli = runFactory(['task', 'add', 'x'], { cwd: repo.dir, env: repo.env });
        assert.equal(cli.status, 2, cli.stderr);
        assert.equal(cli.stderr.trim().split('\n').length, 1, cli.stderr);
        assert.match(
          cli.stderr,
          new RegExp(
            `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is another application's SQLite database, not factory's state; move it aside`,
          ),
        );
        const read = runFactory(['task', 'list'], { cwd: repo.dir, env: repo.env });
        assert.equal(read.status, 2, read.stderr);

        assert.equal(digest(file), before, 'the file is byte for byte what it was');
        assert.deepEqual(readdirSync(dirname(file)).sort(), listing, 'no WAL, no .gitignore, nothing added');
        assert.equal(existsSync(`${file}-wal`), false);
      } finally {
        repo.cleanup();
      }
    });
  }

  it('marks its own databases with its application id, and an empty file is still its to create', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'x\n' } });
    try {
      const store = StateStore.open({ path: join(repo.dir, '.factory', 'state.db') });
      const row = store.db.prepare('PRAGMA application_id').get() as { application_id: number };
      assert.equal(row.application_id, 0x66637479);
      store.close();
    } finally {
      repo.cleanup();
    }
  });
});
