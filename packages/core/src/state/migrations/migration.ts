import type { DatabaseSync } from 'node:sqlite';

/**
 * One step of the schema history. Its version is its position in the list (1-based); `up` runs inside
 * the migrating BEGIN IMMEDIATE transaction, so a crash leaves either the old or the new schema.
 */
export interface Migration {
  readonly name: string;
  up(db: DatabaseSync): void;
}
