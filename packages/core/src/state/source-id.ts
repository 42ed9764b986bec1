import { randomUUID } from 'node:crypto';
import type { SchemaHistory } from './migrations/migration.js';
import type { StateStore } from './store.js';

/**
 * The identity of one state file (a repository's `.factory/state.db`, or `$FACTORY_HOME/state.db`): a random
 * id made on first use, so that rows copied from it to a shared PostgreSQL database are keyed by
 * (source, local row id) and copying them again changes nothing. Its own owner in `schema_versions`, created
 * only by the commands that copy state (`factory state sync` and the commands that sync): the hooks never
 * migrate it.
 */
export const stateSourceSchema: SchemaHistory = {
  owner: 'core-source',
  migrations: [
    {
      name: 'state-source',
      up(db) {
        db.exec(
          'CREATE TABLE state_source (id TEXT NOT NULL PRIMARY KEY, path TEXT NOT NULL, created_at TEXT NOT NULL) STRICT',
        );
      },
    },
  ],
};

/**
 * The file's source id, made (and kept) the first time it is asked for; needs a writable store then. The
 * id is tied to the file's path: a copy of the file (a repository copied with its `.factory/`) gets an id of
 * its own on its first sync, so its rows never pass for the original's (which would skip them as copied).
 */
export function stateSourceId(store: StateStore): string {
  store.ensure(stateSourceSchema);
  const lookup = 'SELECT id FROM state_source WHERE path = ?';
  const found = store.read((db) => db.prepare(lookup).get(store.path) as { id: string } | undefined);
  if (found) return found.id;
  return store.write((db) => {
    const again = db.prepare(lookup).get(store.path) as { id: string } | undefined;
    if (again) return again.id;
    const id = randomUUID();
    db.prepare('DELETE FROM state_source').run();
    db.prepare('INSERT INTO state_source (id, path, created_at) VALUES (?, ?, ?)').run(
      id,
      store.path,
      new Date().toISOString(),
    );
    return id;
  });
}
