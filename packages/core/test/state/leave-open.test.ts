import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '@factory/testkit';
import { HOOK_WAL_PAGES, StateStore } from '../../src/state/store.js';

/** The built module, as the bin's processes load it. */
const builtStore = pathToFileURL(join(import.meta.dirname, '../../dist/state/store.js')).href;

/** A short-lived process (like the hook and gate fast paths): one commit, close(), process.exit(). */
function writeOnceAndExit(path: string, leaveOpenAtExit: boolean): void {
  const script = `
    import { StateStore } from ${JSON.stringify(builtStore)};
    const store = StateStore.open({ path: ${JSON.stringify(path)}, leaveOpenAtExit: ${leaveOpenAtExit} });
    store.write((db) => db.exec("INSERT INTO probe (note) VALUES ('committed')"));
    store.close();
    process.exit(0);
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dirname(path),
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
}

function rows(path: string): number {
  const store = StateStore.open({ path });
  try {
    return (store.db.prepare('SELECT count(*) AS n FROM probe').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

describe('StateStore leaveOpenAtExit', () => {
  it('leaves the commit in the WAL (no checkpoint at exit), where the next connection reads it', () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, '.factory', 'state.db');
      const setup = StateStore.open({ path });
      setup.write((db) => db.exec('CREATE TABLE probe (note TEXT)'));
      setup.close();
      assert.equal(existsSync(`${path}-wal`), false, 'a normal close checkpoints and removes the WAL');

      writeOnceAndExit(path, true);
      assert.equal(existsSync(`${path}-wal`), true, 'the WAL is left for a later checkpoint');
      writeOnceAndExit(path, true);
      assert.equal(rows(path), 2, 'both commits are durable and visible');
      assert.equal(existsSync(`${path}-wal`), false, 'the reader, closing normally, checkpointed');

      writeOnceAndExit(path, false);
      assert.equal(existsSync(`${path}-wal`), false, 'without the option close() checkpoints as before');
      assert.equal(rows(path), 3);
    } finally {
      temp.cleanup();
    }
  });

  it('still closes a connection whose transaction was left open, which rolls it back', () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'state.db');
      const store = StateStore.open({ path, leaveOpenAtExit: true });
      store.db.exec('CREATE TABLE probe (note TEXT)');
      store.db.exec('BEGIN IMMEDIATE');
      store.db.exec("INSERT INTO probe (note) VALUES ('never committed')");
      store.close();
      assert.equal(store.db.isOpen, false);
      assert.equal(rows(path), 0);
    } finally {
      temp.cleanup();
    }
  });

  it('keeps the WAL short: the next process, the only connection, reads all of it to start', () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'state.db');
      const store = StateStore.open({ path, leaveOpenAtExit: true });
      store.db.exec('CREATE TABLE probe (note TEXT)');
      // Three times as many commits (each at least one page) as the WAL may hold before a checkpoint.
      for (let i = 0; i < HOOK_WAL_PAGES * 3; i++) {
        store.write((db) => db.prepare('INSERT INTO probe (note) VALUES (?)').run('x'.repeat(100)));
      }
      const frame = 4096 + 24;
      const pages = (statSync(`${path}-wal`).size - 32) / frame;
      assert.ok(pages <= HOOK_WAL_PAGES + 5, `the WAL grew to ${pages} pages`);
      store.db.close();
      assert.equal(rows(path), HOOK_WAL_PAGES * 3);
    } finally {
      temp.cleanup();
    }
  });
});
