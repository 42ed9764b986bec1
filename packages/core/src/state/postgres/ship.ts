import type { StateStore } from '../store.js';
import type { PostgresDatabase } from './connection.js';

/**
 * Copying a state file's rows to the shared PostgreSQL database (`factory state sync`). The hooks keep
 * writing to the repository's SQLite file: opening a `pg` connection on every commit and every tool call
 * would cost more than the hook itself (measured on this project's 2-core machine: loading `pg` 47-139 ms,
 * connecting with SCRAM and one query 33-75 ms, against 80-110 ms for a whole `node -e 0`). Instead each
 * package ships its own tables: rows are keyed by (source, local id), so shipping again, or two shippers at
 * once, never doubles a row, and a shipper that dies half way leaves whole rows to be completed next time.
 */

/** Where shipped rows come from: the state file's id (stateSourceId) and, for people, its repository and host. */
export interface ShipSource {
  readonly id: string;
  readonly repository: string;
  readonly host: string;
}

const BATCH = 200;

/**
 * Inserts `rows` (values in the order of `columns`) into `table` in batches, each its own statement;
 * `onConflict` decides what an existing key does (default: nothing). Returns how many rows were written.
 * Table and column names come from the calling package's code, never from input.
 */
export async function shipRows(
  db: PostgresDatabase,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  onConflict = 'ON CONFLICT DO NOTHING',
): Promise<number> {
  let written = 0;
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = rows.slice(start, start + BATCH);
    const params: unknown[] = [];
    const values = batch.map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    const result = await db.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ${onConflict}`,
      params,
    );
    written += result.rowCount ?? 0;
  }
  return written;
}

/** The highest local id of `source` already in `table` (0: none): append-only tables ship what is above it. */
export async function lastShippedId(db: PostgresDatabase, table: string, source: string): Promise<number> {
  const result = await db.query<{ last: number | null }>(
    `SELECT max(local_id) AS last FROM ${table} WHERE source = $1`,
    [source],
  );
  return Number(result.rows[0]?.last ?? 0);
}

const PAGE = 1000;

/**
 * Ships an append-only table (gate runs, guard decisions, review decisions): the rows of `table` in the
 * state file above the highest local id `source` has on PostgreSQL, page by page, each turned by `values`
 * into a row of `columns`. Returns how many were written. Ids grow in commit order (one writer at a time),
 * so nothing committed later can appear below the last one shipped.
 */
export async function shipAppendOnly(
  db: PostgresDatabase,
  store: StateStore,
  table: string,
  columns: readonly string[],
  source: ShipSource,
  values: (row: Record<string, unknown>) => readonly unknown[],
): Promise<number> {
  let after = await lastShippedId(db, table, source.id);
  let shipped = 0;
  for (;;) {
    const rows = store.read(
      (sqlite) =>
        sqlite
          .prepare(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`)
          .all(after, PAGE) as unknown as Array<Record<string, unknown>>,
    );
    if (rows.length === 0) return shipped;
    shipped += await shipRows(db, table, columns, rows.map(values));
    after = Number(rows[rows.length - 1]!.id);
  }
}
