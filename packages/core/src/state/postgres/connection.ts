import pg from 'pg';
import { ExitCode, FactoryError } from '../../errors.js';
import { messages } from '../../messages.js';

/**
 * A PostgreSQL database holding workflow state (`FACTORY_STATE_URL=postgres://...`): a small pool of
 * connections, transactions, per-owner schema histories, and one-sentence errors for the ways a server
 * can be out of reach. `pg` is loaded only by the commands that use it, never by a hook or a gate.
 */

/** One step of an owner's schema history on PostgreSQL: SQL run inside the migrating transaction. */
export interface PostgresMigration {
  readonly name: string;
  readonly sql: string;
}

/** The tables one package owns on PostgreSQL, as `schema_versions (owner, version)` records them. */
export interface PostgresSchema {
  readonly owner: string;
  readonly migrations: readonly PostgresMigration[];
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** The URL as people may see it: never the password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/^(postgres(?:ql)?:\/\/[^@/]*):@/, '$1@');
  } catch {
    return 'the PostgreSQL URL';
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(url);
}

// int8 (ids, times in milliseconds) as numbers: every value factory stores is far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

interface PgError {
  code?: string;
  message?: string;
  routine?: string;
}

/** Turns a connection or server failure into one sentence (exit 2); anything else is returned as it is. */
export function translatePostgresError(error: unknown, location: string): unknown {
  if (error instanceof FactoryError) return error;
  const e = (error ?? {}) as PgError;
  const code = e.code ?? '';
  const message = e.message ?? String(error);
  const fail = (text: string) => new FactoryError(text, ExitCode.usage, { cause: error });
  if (code === 'ECONNREFUSED') return fail(messages.pgUnreachable(location, 'connection refused'));
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return fail(messages.pgUnreachable(location, 'unknown host'));
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return fail(messages.pgUnreachable(location, 'no route to the host'));
  if (code === 'ETIMEDOUT' || /timeout/i.test(message))
    return fail(messages.pgUnreachable(location, 'it did not answer in time'));
  if (
    code === 'ECONNRESET' ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    /Connection terminated/i.test(message)
  ) {
    return fail(messages.pgConnectionLost(location));
  }
  if (code === '28P01' || code === '28000' || /password must be a string|SASL/i.test(message)) {
    return fail(messages.pgBadCredentials(location));
  }
  if (code === '3D000') return fail(messages.pgNoDatabase(location));
  if (code === '42501') return fail(messages.pgNoPermission(location, message));
  return error;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The pool of one process; every transaction takes its own connection. */
export class PostgresDatabase {
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly ready = new Set<string>();

  private constructor(pool: pg.Pool, location: string) {
    this.pool = pool;
    this.location = location;
  }

  /** Connects (one round trip proves the server, the credentials and the database) and checks `schemas`. */
  static async open(
    url: string,
    schemas: readonly PostgresSchema[],
    options: { max?: number } = {},
  ): Promise<PostgresDatabase> {
    const location = redactUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 10_000,
      application_name: 'factory',
      types,
    });
    // An idle connection that the server drops must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const db = new PostgresDatabase(pool, location);
    try {
      for (const schema of schemas) await db.ensure(schema);
    } catch (error) {
      await pool.end().catch(() => {});
      throw translatePostgresError(error, location);
    }
    return db;
  }

  /**
   * Makes sure `schema`'s tables exist and are not newer than this code knows, migrating them when older.
   * Migrations run under a transaction-scoped advisory lock, so concurrent openers migrate once; a newer
   * schema is refused before anything is changed.
   */
  async ensure(schema: PostgresSchema): Promise<void> {
    if (this.ready.has(schema.owner)) return;
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['factory schema_versions']);
      const exists = await client.query(`SELECT to_regclass('schema_versions') IS NOT NULL AS present`);
      let found = 0;
      if (exists.rows[0].present) {
        const row = await client.query('SELECT version FROM schema_versions WHERE owner = $1', [
          schema.owner,
        ]);
        found = row.rows[0]?.version ?? 0;
      }
      const known = schema.migrations.length;
      if (found > known)
        throw new FactoryError(
          messages.pgSchemaTooNew(this.location, schema.owner, found, known),
          ExitCode.usage,
        );
      if (found === known) return;
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_versions (owner text PRIMARY KEY, version integer NOT NULL)',
      );
      for (let version = found; version < known; version++)
        await client.query(schema.migrations[version]!.sql);
      await client.query(
        `INSERT INTO schema_versions (owner, version) VALUES ($1, $2)
         ON CONFLICT (owner) DO UPDATE SET version = EXCLUDED.version`,
        [schema.owner, known],
      );
    });
    this.ready.add(schema.owner);
  }

  /** Runs `fn` in one transaction on one connection (READ COMMITTED; rows locked with FOR UPDATE). */
  async transaction<T>(fn: (client: Queryable) => Promise<T>, mode = 'BEGIN'): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translatePostgresError(error, this.location);
    }
    let broken = false;
    try {
      await client.query(mode);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw translatePostgresError(error, this.location);
    } finally {
      client.release(broken);
    }
  }

  /**
   * One statement outside an explicit transaction: PostgreSQL runs it atomically (data-modifying CTEs
   * included), in one round trip and one commit.
   */
  async query<R extends object = Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, params);
    } catch (error) {
      throw translatePostgresError(error, this.location);
    }
  }

  /** A read that sees one snapshot (REPEATABLE READ, READ ONLY). */
  read<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
