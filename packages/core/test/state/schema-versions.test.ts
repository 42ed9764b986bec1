import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { coreSchema, isFactoryError, type SchemaHistory, StateStore } from '@factory/core';
import { makeTempDir } from '@factory/testkit';

// Per-owner schema histories: schema_versions (owner, version), each package migrating only its own tables.
const extra: SchemaHistory = {
  owner: 'extra',
  migrations: [
    { name: 'one', up: (db) => db.exec('CREATE TABLE extra_one (x INTEGER) STRICT') },
    { name: 'two', up: (db) => db.exec('CREATE TABLE extra_two (x INTEGER) STRICT') },
  ],
};

function versions(file: string): Record<string, number> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare('SELECT owner, version FROM schema_versions ORDER BY owner').all() as Array<{
      owner: string;
      version: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.owner, r.version]));
  } finally {
    db.close();
  }
}

function tables(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isFactoryError(error), String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('schema versions per owner', () => {
  it('migrates only the owners a process opens, and records each one', () => {
    const temp = makeTempDir();
    try {
      const file = join(temp.dir, 'state.db');
      StateStore.open({ path: file, schemas: [extra] }).close();
      assert.deepEqual(versions(file), { extra: 2 });
      assert.ok(!tables(file).includes('tasks'), 'core was not asked for and not created');
      const store = StateStore.open({ path: file });
      store.ensure(extra);
      store.close();
      assert.deepEqual(versions(file), { core: 1, extra: 2 });
      assert.ok(tables(file).includes('tasks'));
    } finally {
      temp.cleanup();
    }
  });

  it("an owner's newer schema is refused and the file left byte for byte untouched; other owners still open", () => {
    const temp = makeTempDir();
    try {
      const file = join(temp.dir, 'state.db');
      StateStore.open({ path: file, schemas: [coreSchema, extra] }).close();
      const db = new DatabaseSync(file);
      db.exec(
        "UPDATE schema_versions SET version = 7 WHERE owner = 'extra'; PRAGMA wal_checkpoint(TRUNCATE);",
      );
      db.close();
      const before = readFileSync(file);
      assert.match(
        refusal(() => StateStore.open({ path: file, schemas: [extra] })),
        /written by a newer factory \(extra schema 7, this one knows up to 2\); upgrade factory/,
      );
      const store = StateStore.open({ path: file });
      assert.match(
        refusal(() => store.ensure(extra)),
        /extra schema 7/,
      );
      store.close();
      assert.deepEqual(readFileSync(file), before);
      assert.deepEqual(versions(file), { core: 1, extra: 7 });
    } finally {
      temp.cleanup();
    }
  });

  it('a database of the single history is converted on its first migration, and fenced from older releases', () => {
    const temp = makeTempDir();
    try {
      const file = join(temp.dir, 'state.db');
      // What the release before wrote after slot 1 (tasks): user_version 1, no schema_versions.
      const db = new DatabaseSync(file);
      coreSchema.migrations[0]!.up(db);
      db.exec('PRAGMA user_version = 1');
      db.close();
      StateStore.open({ path: file }).close();
      assert.ok(!tables(file).includes('schema_versions'), 'nothing to migrate: the file is left as it was');
      StateStore.open({ path: file, schemas: [extra] }).close();
      assert.deepEqual(versions(file), { core: 1, extra: 2 });
      const check = new DatabaseSync(file, { readOnly: true });
      const row = check.prepare('PRAGMA user_version').get() as { user_version: number };
      check.close();
      assert.ok(row.user_version > 5, 'a release that knows only user_version refuses the file');
    } finally {
      temp.cleanup();
    }
  });
});
