import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { ExitCode, FactoryError } from '../errors.js';
import { messages } from '../messages.js';
import { coreSchema, repositoryLegacyVersions } from './migrations/index.js';
import type { LegacyVersions, SchemaHistory } from './migrations/migration.js';

export interface StateStoreOptions {
  /** The database file, e.g. `<repo>/.factory/state.db`. Its folder is created when missing. */
  readonly path: string;
  /**
   * The schema histories this process uses, checked (a newer one is refused, the file untouched) and
   * migrated at open; other owners' tables are left alone. Default: core's. A module that owns tables
   * also calls `ensure(itsSchema)` before using them, so any opener works.
   */
  readonly schemas?: readonly SchemaHistory[];
  /** How to read a file from before per-owner histories; default: a repository's state.db. */
  readonly legacy?: LegacyVersions;
  /** How long a writer waits for another writer's lock before giving up. */
  readonly busyTimeoutMs?: number;
  /**
   * For a process that ends with process.exit() right after its work (the hook and gate fast paths):
   * close() then leaves the connection to the process's end instead of closing it. SQLite's close of the
   * last connection checkpoints the WAL into the database and deletes it, which costs four fsyncs (2 to 30
   * ms on a busy disk), and the next process would recreate the WAL (two more). Left open, commits stay in
   * the WAL, as durable as after any commit (synchronous=NORMAL), and the automatic checkpoint moves them
   * into the database every 1000 pages. process.exit() does not run the connection's destructor; a normal
   * exit would, so only use this when the process really ends with process.exit().
   */
  readonly leaveOpenAtExit?: boolean;
  /**
   * The caller only reads: an existing database is opened without writing anything (no WAL switch, no
   * migration), so a state.db in a folder or file this user cannot write still answers. Without a `-wal`
   * file beside it, such a database can only be read as immutable (SQLite cannot set up its WAL index in a
   * folder it cannot write). A schema older than this factory's still needs a writing open to upgrade.
   */
  readonly readOnly?: boolean;
}

/** `PRAGMA application_id` of factory's databases (the bytes "fcty"): another application's file is refused. */
export const FACTORY_APPLICATION_ID = 0x66637479;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The WAL pages after which a hook's commit checkpoints (see prepare). */
export const HOOK_WAL_PAGES = 100;

// SQLite primary result codes (extended codes carry them in the low byte).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

interface SqliteError {
  errcode?: number;
  message?: string;
}

function primaryCode(error: unknown): number | undefined {
  const code = (error as SqliteError | undefined)?.errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

/**
 * Turns an SQLite failure into a one-sentence FactoryError; anything unexpected is rethrown as it is.
 */
export function translateSqliteError(error: unknown, file: string, busyTimeoutMs: number): unknown {
  if (error instanceof FactoryError) return error;
  switch (primaryCode(error)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new FactoryError(messages.stateLocked(file, busyTimeoutMs), ExitCode.usage, { cause: error });
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return new FactoryError(messages.stateNotADatabase(file), ExitCode.usage, { cause: error });
    case SQLITE_READONLY:
      return new FactoryError(messages.stateReadOnly(file), ExitCode.usage, { cause: error });
    case SQLITE_CANTOPEN:
      return new FactoryError(messages.stateOpenFailed(file, 'cannot open the file'), ExitCode.usage, {
        cause: error,
      });
    default:
      return error;
  }
}

/**
 * The one substrate of factory's durable state: a node:sqlite database in WAL mode.
 *
 * Every writing transaction starts with BEGIN IMMEDIATE: a deferred transaction that later upgrades to a
 * write gets SQLITE_BUSY at once and ignores busy_timeout, which is exactly the race we must not lose.
 * synchronous=NORMAL in WAL mode: a committed transaction survives any crash of the process (the WAL is
 * written before COMMIT returns); only an OS crash or power loss can drop the last commits.
 */
export class StateStore {
  readonly db: DatabaseSync;
  readonly path: string;
  readonly busyTimeoutMs: number;
  private readonly leaveOpenAtExit: boolean;
  private depth = 0;
  /** The kind of the outermost open transaction, while one is open. */
  private outer: 'read' | 'write' | undefined;

  private readonly legacy: LegacyVersions;
  /** The owners whose schema this connection has checked (and migrated) already. */
  private readonly ready = new Set<string>();
  /** Set by openForReading: whether a schema needs a writing open to migrate. */
  private behindAfterCheck = false;
  /** Statements of this connection by their text (see statement). */
  private readonly statements = new Map<string, StatementSync>();

  private constructor(
    db: DatabaseSync,
    path: string,
    busyTimeoutMs: number,
    leaveOpenAtExit: boolean,
    legacy: LegacyVersions,
  ) {
    this.db = db;
    this.path = path;
    this.busyTimeoutMs = busyTimeoutMs;
    this.leaveOpenAtExit = leaveOpenAtExit;
    this.legacy = legacy;
  }

  static open(options: StateStoreOptions): StateStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const schemas = options.schemas ?? [coreSchema];
    const legacy = options.legacy ?? repositoryLegacyVersions;
    if (options.readOnly && existsSync(options.path)) {
      const store = StateStore.openForReading(options.path, busyTimeoutMs, schemas, legacy, options);
      if (store) return store;
    }
    ensureStateFolder(options.path);
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(options.path, { timeout: busyTimeoutMs });
    } catch (error) {
      throw translateSqliteError(error, options.path, busyTimeoutMs);
    }
    const store = new StateStore(db, options.path, busyTimeoutMs, options.leaveOpenAtExit === true, legacy);
    try {
      store.prepare(schemas);
    } catch (error) {
      if (db.isOpen) db.close();
      throw translateSqliteError(error, options.path, busyTimeoutMs);
    }
    // Only once the database proved usable: a refused open leaves the folder exactly as it was.
    ensureStateIgnored(options.path);
    return store;
  }

  /**
   * A read-only connection to an existing database at the current schema, or undefined when the schema
   * must be upgraded first (the caller then opens it for writing).
   */
  private static openForReading(
    path: string,
    busyTimeoutMs: number,
    schemas: readonly SchemaHistory[],
    legacy: LegacyVersions,
    options: StateStoreOptions,
  ): StateStore | undefined {
    const connect = (location: string) => {
      const db = new DatabaseSync(location, { readOnly: true, timeout: busyTimeoutMs });
      const store = new StateStore(db, path, busyTimeoutMs, options.leaveOpenAtExit === true, legacy);
      try {
        store.behindAfterCheck = store.refuseForeignOrNewer(schemas);
        return store;
      } catch (error) {
        db.close();
        throw error;
      }
    };
    let store: StateStore;
    try {
      try {
        store = connect(path);
      } catch (error) {
        const code = primaryCode(error);
        const cannotSetUpWal = code === SQLITE_READONLY || code === SQLITE_CANTOPEN;
        // No -wal file: nothing is waiting to be checkpointed, so the main file alone is the whole truth.
        if (!cannotSetUpWal || existsSync(`${path}-wal`)) throw error;
        store = connect(`${pathToFileURL(path).href}?immutable=1`);
      }
    } catch (error) {
      throw translateSqliteError(error, path, busyTimeoutMs);
    }
    if (store.behindAfterCheck) {
      store.db.close();
      return undefined;
    }
    for (const schema of schemas) store.ready.add(schema.owner);
    return store;
  }

  /**
   * Refuses, before anything is written, a database of a newer factory and another application's file:
   * one that holds tables but no factory schema version, or that carries another application id.
   */
  private refuseForeignOrNewer(schemas: readonly SchemaHistory[]): boolean {
    const behind = this.behind(schemas);
    const found = this.userVersion();
    const id = (this.db.prepare('PRAGMA application_id').get() as { application_id: number }).application_id;
    const tables = this.db
      .prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
      .get() as { n: number };
    if ((id !== 0 && id !== FACTORY_APPLICATION_ID) || (found === 0 && tables.n > 0)) {
      throw new FactoryError(messages.stateForeign(this.path), ExitCode.usage);
    }
    return behind;
  }

  private prepare(schemas: readonly SchemaHistory[]): void {
    this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
    // Read the versions before anything can change the file: a newer schema or another application's
    // database is refused untouched.
    const behind = this.refuseForeignOrNewer(schemas);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    // The hooks leave their connection to the process's end (leaveOpenAtExit), so the WAL is not
    // checkpointed at close, and the next hook, the only connection, rebuilds SQLite's index of the WAL
    // by reading every frame of it (measured: about 2.5 ms at 1,000 pages, SQLite's default checkpoint
    // point, 0.5 ms at 100). Their commits checkpoint at 100 pages: a short WAL for the next one.
    if (this.leaveOpenAtExit) this.db.exec(`PRAGMA wal_autocheckpoint = ${HOOK_WAL_PAGES}`);
    this.db.exec('PRAGMA foreign_keys = ON');
    if (behind) this.migrate(schemas);
    for (const schema of schemas) this.ready.add(schema.owner);
  }

  /**
   * Makes sure `schema`'s tables are there and not newer than this code knows (migrating them when they
   * are older). Owners of tables call it before using them; after the first call per connection it costs
   * nothing.
   */
  ensure(schema: SchemaHistory): void {
    if (this.ready.has(schema.owner)) return;
    if (this.behind([schema])) {
      if (this.outer === 'read') {
        throw new Error(`StateStore.ensure(${schema.owner}) needs a migration inside StateStore.read`);
      }
      this.migrate([schema]);
    }
    this.ready.add(schema.owner);
  }

  /**
   * How many of `owner`'s migrations the file has (0: none of its tables exist), without changing it: for
   * readers such as the sweep that report on a package's tables only where that package has used them.
   */
  version(owner: string): number {
    return this.recordedVersions()[owner] ?? 0;
  }

  /** Whether any of `schemas` needs migrating; throws (changing nothing) when one is newer than known. */
  private behind(schemas: readonly SchemaHistory[]): boolean {
    const recorded = this.recordedVersions();
    let behind = false;
    for (const schema of schemas) {
      const found = recorded[schema.owner] ?? 0;
      const known = schema.migrations.length;
      if (found > known) {
        throw new FactoryError(messages.stateOwnerTooNew(this.path, schema.owner, found, known));
      }
      if (found < known) behind = true;
    }
    return behind;
  }

  /**
   * How many migrations of each owner the file has: its schema_versions rows, or for a file from before
   * per-owner histories, what its user_version meant. A user_version beyond that history is refused.
   */
  private recordedVersions(): Readonly<Record<string, number>> {
    const found = this.userVersion();
    if (this.hasSchemaVersions()) {
      if (found > this.fence) throw new FactoryError(messages.stateTooNew(this.path, found, this.fence));
      const rows = this.db.prepare('SELECT owner, version FROM schema_versions').all() as Array<{
        owner: string;
        version: number;
      }>;
      return Object.fromEntries(rows.map((row) => [row.owner, row.version]));
    }
    if (found > this.legacy.maxUserVersion) {
      throw new FactoryError(messages.stateTooNew(this.path, found, this.legacy.maxUserVersion));
    }
    return this.legacy.versions(found);
  }

  /** The user_version of a file with per-owner histories (see LegacyVersions). */
  private get fence(): number {
    return this.legacy.maxUserVersion + 1;
  }

  private hasSchemaVersions(): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'")
        .get() !== undefined
    );
  }

  private userVersion(): number {
    const row = this.db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
    return row?.user_version ?? 0;
  }

  private migrate(schemas: readonly SchemaHistory[]): void {
    this.write(() => {
      // Another process may have migrated between our read and our lock: read again under the lock.
      const recorded = this.recordedVersions();
      this.db.exec(`PRAGMA application_id = ${FACTORY_APPLICATION_ID}`);
      if (!this.hasSchemaVersions()) {
        // First migration under per-owner histories: record what the single history had applied, for every
        // owner (also those this process does not use), and fence off releases that only know user_version.
        this.db.exec(
          'CREATE TABLE schema_versions (owner TEXT PRIMARY KEY, version INTEGER NOT NULL CHECK (version >= 0)) STRICT',
        );
        const insert = this.db.prepare('INSERT INTO schema_versions (owner, version) VALUES (?, ?)');
        for (const [owner, version] of Object.entries(recorded)) if (version > 0) insert.run(owner, version);
        this.db.exec(`PRAGMA user_version = ${this.fence}`);
      }
      const record = this.db.prepare(
        'INSERT INTO schema_versions (owner, version) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET version = excluded.version',
      );
      for (const schema of schemas) {
        const current = recorded[schema.owner] ?? 0;
        if (current > schema.migrations.length) {
          throw new FactoryError(
            messages.stateOwnerTooNew(this.path, schema.owner, current, schema.migrations.length),
          );
        }
        for (let version = current; version < schema.migrations.length; version++) {
          schema.migrations[version]!.up(this.db);
          record.run(schema.owner, version + 1);
        }
      }
    });
  }

  /**
   * `text` prepared once per connection: the table stores' hot paths (a move, a claim, a session's row)
   * run the same statements again and again.
   */
  statement(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction; nested calls join the outer transaction. */
  write<T>(fn: (db: DatabaseSync) => T): T {
    if (this.depth > 0) {
      // A write joining a read transaction would upgrade a deferred transaction: SQLITE_BUSY at once,
      // whatever busy_timeout says. That is a bug in the caller, never something to retry.
      if (this.outer === 'read') throw new Error('StateStore.write was called inside StateStore.read');
      return fn(this.db);
    }
    return this.transaction('write', fn);
  }

  /** Runs `fn` in one read transaction, so that several SELECTs see the same snapshot. */
  read<T>(fn: (db: DatabaseSync) => T): T {
    if (this.depth > 0) return fn(this.db);
    return this.transaction('read', fn);
  }

  /** The outermost transaction: committed when `fn` returns, rolled back when it throws. */
  private transaction<T>(kind: 'read' | 'write', fn: (db: DatabaseSync) => T): T {
    try {
      this.db.exec(kind === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    } catch (error) {
      throw translateSqliteError(error, this.path, this.busyTimeoutMs);
    }
    this.depth++;
    this.outer = kind;
    try {
      const result = fn(this.db);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw translateSqliteError(error, this.path, this.busyTimeoutMs);
    } finally {
      this.depth--;
      if (this.depth === 0) this.outer = undefined;
    }
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems SQLite found. */
  integrityCheck(): string {
    const rows = this.db.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).join('; ');
  }

  close(): void {
    // A transaction still open here is a bug of the caller; closing rolls it back either way.
    if (this.leaveOpenAtExit && this.db.isOpen && !this.db.isTransaction) return;
    if (this.db.isOpen) this.db.close();
  }
}

const IGNORE_ALL = '# written by factory: local state, never committed\n*\n';

/** Creates the state folder (with a `.gitignore` of `*`, so the state never reaches git in any mode). */
function ensureStateFolder(file: string): void {
  const dir = dirname(file);
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '.gitignore'), IGNORE_ALL);
    } else if (!statSync(dir).isDirectory()) {
      throw new FactoryError(
        messages.stateDirUnwritable(dir, 'a file of that name is in the way'),
        ExitCode.usage,
      );
    }
  } catch (error) {
    if (error instanceof FactoryError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FactoryError(messages.stateDirUnwritable(dir, reason), ExitCode.usage, { cause: error });
  }
}

/** Restores a missing `.gitignore` in a state folder that exists already (best effort: the database works). */
function ensureStateIgnored(file: string): void {
  const ignore = join(dirname(file), '.gitignore');
  try {
    if (!existsSync(ignore)) writeFileSync(ignore, IGNORE_ALL);
  } catch {
    // A folder we can write the database into but not this file: git status will show it, nothing is lost.
  }
}
