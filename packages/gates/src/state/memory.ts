import { ExitCode, FactoryError } from '@factory/core/errors';
import type { StateStore } from '@factory/core/state/store';
import { messages } from '../messages.js';
import { gatesSchema } from './migrations/index.js';

/** One thing the project wants the agent to remember. */
export interface MemoryEntry {
  readonly id: number;
  readonly text: string;
  /** Lower-case words that make a prompt match this entry. */
  readonly tags: readonly string[];
  /** Globs (relative to the repository root) of the files this entry is about. */
  readonly paths: readonly string[];
  readonly createdAt: string;
  /** How many times the entry matched a prompt and was added to the agent's context. */
  readonly uses: number;
  readonly lastUsedAt: string | null;
}

export interface NewMemoryEntry {
  readonly text: string;
  readonly tags?: readonly string[];
  readonly paths?: readonly string[];
  readonly now?: Date;
}

interface MemoryRow {
  id: number;
  text: string;
  tags: string;
  paths: string;
  created_at: string;
  uses: number;
  last_used_at: string | null;
}

function toEntry(row: MemoryRow): MemoryEntry {
  return {
    id: row.id,
    text: row.text,
    tags: JSON.parse(row.tags) as string[],
    paths: JSON.parse(row.paths) as string[],
    createdAt: row.created_at,
    uses: row.uses,
    lastUsedAt: row.last_used_at,
  };
}

/** Tags are compared case-insensitively and without a leading '#'. */
export function normalizeTag(tag: string): string {
  return tag.trim().replace(/^#/, '').toLowerCase();
}

export function addMemory(store: StateStore, entry: NewMemoryEntry): MemoryEntry {
  store.ensure(gatesSchema);
  const text = entry.text.trim();
  if (text === '') throw new FactoryError(messages.memoryEmpty, ExitCode.usage);
  const tags = [...new Set((entry.tags ?? []).map(normalizeTag).filter((t) => t !== ''))];
  const paths = [...new Set((entry.paths ?? []).map((p) => p.trim()).filter((p) => p !== ''))];
  const now = (entry.now ?? new Date()).toISOString();
  return store.write((db) => {
    // The same text twice is one entry: adding again merges the tags and paths (scripts can re-run).
    const existing = db
      .prepare('SELECT * FROM memory_entries WHERE text = ? ORDER BY id LIMIT 1')
      .get(text) as MemoryRow | undefined;
    if (existing) {
      const current = toEntry(existing);
      const mergedTags = [...new Set([...current.tags, ...tags])];
      const mergedPaths = [...new Set([...current.paths, ...paths])];
      const row = db
        .prepare('UPDATE memory_entries SET tags = ?, paths = ? WHERE id = ? RETURNING *')
        .get(JSON.stringify(mergedTags), JSON.stringify(mergedPaths), current.id) as unknown as MemoryRow;
      return toEntry(row);
    }
    const row = db
      .prepare('INSERT INTO memory_entries (text, tags, paths, created_at) VALUES (?, ?, ?, ?) RETURNING *')
      .get(text, JSON.stringify(tags), JSON.stringify(paths), now) as unknown as MemoryRow;
    return toEntry(row);
  });
}

/** Every entry, oldest first. */
export function listMemory(store: StateStore): MemoryEntry[] {
  store.ensure(gatesSchema);
  return store.read((db) =>
    (db.prepare('SELECT * FROM memory_entries ORDER BY id').all() as unknown as MemoryRow[]).map(toEntry),
  );
}

/** Removes one entry; an unknown id is refused (exit 1) so that a typo does not pass silently. */
export function removeMemory(store: StateStore, id: number): MemoryEntry {
  store.ensure(gatesSchema);
  return store.write((db) => {
    const row = db.prepare('DELETE FROM memory_entries WHERE id = ? RETURNING *').get(id) as
      | MemoryRow
      | undefined;
    if (!row) throw new FactoryError(messages.memoryUnknown(id), ExitCode.refused);
    return toEntry(row);
  });
}

/** Counts that the hooks added these entries to the agent's context (the ranking prefers used ones). */
export function markMemoryUsed(store: StateStore, ids: readonly number[], now = new Date()): void {
  store.ensure(gatesSchema);
  if (ids.length === 0) return;
  store.write((db) => {
    const stmt = db.prepare('UPDATE memory_entries SET uses = uses + 1, last_used_at = ? WHERE id = ?');
    for (const id of ids) stmt.run(now.toISOString(), id);
  });
}
