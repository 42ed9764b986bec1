import type { DatabaseSync } from 'node:sqlite';

/**
 * One step of a schema history. Its version is its position in the list (1-based); `up` runs inside
 * the migrating BEGIN IMMEDIATE transaction, so a crash leaves either the old or the new schema.
 */
export interface Migration {
  readonly name: string;
  up(db: DatabaseSync): void;
}

/**
 * One package's schema history: the tables it owns, created and changed only by its own migrations,
 * oldest first. Append only: never edit or reorder a migration that has shipped. The database records how
 * many of each owner's migrations ran in `schema_versions (owner, version)`, so a process migrates only
 * the owners it uses (a hook: gates) and refuses an owner whose recorded version is newer than it knows.
 */
export interface SchemaHistory {
  /** The key of this history in schema_versions, e.g. the package name. */
  readonly owner: string;
  readonly migrations: readonly Migration[];
}

/**
 * How to read a database written before per-owner histories, when one `PRAGMA user_version` counted a
 * single history: how many of each owner's migrations a given user_version had applied. A converted file
 * carries user_version `maxUserVersion + 1`: releases that knew only the single history see a newer schema
 * and refuse it untouched, and a user_version above that is a newer scheme this code refuses in turn.
 */
export interface LegacyVersions {
  /** The highest user_version the single history reached; above it the file is from something newer. */
  readonly maxUserVersion: number;
  versions(userVersion: number): Readonly<Record<string, number>>;
}
