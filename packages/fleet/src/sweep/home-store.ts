import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LegacyVersions, Migration, SchemaHistory } from '@factory/core/state/migrations/migration';
import { StateStore } from '@factory/core/state/store';

/** `$FACTORY_HOME`, default `~/.config/factory`: the manifest and the sweep history live there. */
export function factoryHome(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.FACTORY_HOME?.trim();
  if (set) return set;
  const home = env.HOME?.trim() || homedir();
  return join(home, '.config', 'factory');
}

export function homeStatePath(home: string): string {
  return join(home, 'state.db');
}

/**
 * The home store's own schema history (not a repository's): one row per sweep, one per repository swept.
 * Append only, like the repository migrations.
 */
export const homeMigrations: readonly Migration[] = [
  {
    name: 'home-001-sweeps',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id           INTEGER PRIMARY KEY AUTOINCREMENT,
          started_at   TEXT    NOT NULL,
          finished_at  TEXT,
          manifest     TEXT    NOT NULL,
          options      TEXT    NOT NULL,
          repositories INTEGER NOT NULL DEFAULT 0,
          unhealthy    INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE sweep_results (
          sweep_id     INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
          repo         TEXT    NOT NULL,
          name         TEXT    NOT NULL,
          status       TEXT    NOT NULL CHECK (status IN ('healthy', 'unhealthy', 'failed', 'timeout')),
          problems     TEXT    NOT NULL,
          result       TEXT    NOT NULL,
          duration_ms  INTEGER NOT NULL,
          finished_at  TEXT    NOT NULL,
          PRIMARY KEY (sweep_id, repo)
        ) STRICT;
        CREATE INDEX sweep_results_by_repo ON sweep_results (repo, sweep_id);
      `);
    },
  },
];

export type SweepStatus = 'healthy' | 'unhealthy' | 'failed' | 'timeout';

export interface SweepResultRow {
  readonly sweepId: number;
  readonly repo: string;
  readonly name: string;
  readonly status: SweepStatus;
  readonly problems: readonly string[];
  readonly result: unknown;
  readonly durationMs: number;
  readonly finishedAt: string;
}

export interface SweepRow {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | undefined;
  readonly manifest: string;
  readonly repositories: number;
  readonly unhealthy: number;
}

interface RawResult {
  sweep_id: number;
  repo: string;
  name: string;
  status: SweepStatus;
  problems: string;
  result: string;
  duration_ms: number;
  finished_at: string;
}

function toResult(row: RawResult): SweepResultRow {
  return {
    sweepId: row.sweep_id,
    repo: row.repo,
    name: row.name,
    status: row.status,
    problems: JSON.parse(row.problems) as string[],
    result: JSON.parse(row.result) as unknown,
    durationMs: row.duration_ms,
    finishedAt: row.finished_at,
  };
}

/**
 * The sweep history under $FACTORY_HOME: what "since the last sweep", `--resume` and trends read.
 * Results are written as each repository finishes, so an interrupted sweep keeps what it learnt.
 */
/** The home store as one owner's history; its files from before per-owner histories counted it in user_version. */
const homeSchema: SchemaHistory = { owner: 'fleet-home', migrations: homeMigrations };
const homeLegacy: LegacyVersions = {
  maxUserVersion: homeMigrations.length,
  versions: (userVersion) => ({ 'fleet-home': userVersion }),
};

/** The home's state file with the sweep history's tables (created on first use, migrated when older). */
export function openSweepHistoryStore(home: string): StateStore {
  return StateStore.open({ path: homeStatePath(home), schemas: [homeSchema], legacy: homeLegacy });
}

export class SweepHistory {
  private constructor(readonly store: StateStore) {}

  static open(home: string): SweepHistory {
    return new SweepHistory(openSweepHistoryStore(home));
  }

  close(): void {
    this.store.close();
  }

  start(manifest: string, options: Record<string, unknown>, at = new Date()): number {
    return this.store.write((db) => {
      const info = db
        .prepare('INSERT INTO sweeps (started_at, manifest, options) VALUES (?, ?, ?)')
        .run(at.toISOString(), manifest, JSON.stringify(options));
      return Number(info.lastInsertRowid);
    });
  }

  record(sweepId: number, row: Omit<SweepResultRow, 'sweepId'>): void {
    this.store.write((db) => {
      db.prepare(
        `INSERT OR REPLACE INTO sweep_results (sweep_id, repo, name, status, problems, result, duration_ms, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        sweepId,
        row.repo,
        row.name,
        row.status,
        JSON.stringify(row.problems),
        JSON.stringify(row.result),
        Math.round(row.durationMs),
        row.finishedAt,
      );
    });
  }

  finish(sweepId: number, at = new Date()): void {
    this.store.write((db) => {
      db.prepare(
        `UPDATE sweeps SET finished_at = ?,
           repositories = (SELECT COUNT(*) FROM sweep_results WHERE sweep_id = ?),
           unhealthy = (SELECT COUNT(*) FROM sweep_results WHERE sweep_id = ? AND status <> 'healthy')
         WHERE id = ?`,
      ).run(at.toISOString(), sweepId, sweepId, sweepId);
    });
  }

  /** The newest result of each repository before `beforeSweep` (any sweep, finished or not). */
  latestResults(beforeSweep = Number.MAX_SAFE_INTEGER): Map<string, SweepResultRow> {
    return this.store.read((db) => {
      const rows = db
        .prepare(
          `SELECT r.* FROM sweep_results r
           JOIN (SELECT repo, MAX(sweep_id) AS sweep_id FROM sweep_results WHERE sweep_id < ? GROUP BY repo) last
             ON last.repo = r.repo AND last.sweep_id = r.sweep_id`,
        )
        .all(beforeSweep) as unknown as RawResult[];
      return new Map(rows.map((row) => [row.repo, toResult(row)]));
    });
  }

  /**
   * The repositories the newest sweep meant to cover (`options.planned`) and never finished: empty when
   * that sweep finished, or did not say what it planned. What `--resume` must cover after an interrupt.
   */
  unreachedByLastSweep(): Set<string> {
    return this.store.read((db) => {
      const last = db.prepare('SELECT id, finished_at, options FROM sweeps ORDER BY id DESC LIMIT 1').get() as
        | { id: number; finished_at: string | null; options: string }
        | undefined;
      if (!last || last.finished_at !== null) return new Set<string>();
      const planned = (JSON.parse(last.options) as { planned?: unknown }).planned;
      if (!Array.isArray(planned)) return new Set<string>();
      const recorded = new Set(
        (
          db.prepare('SELECT repo FROM sweep_results WHERE sweep_id = ?').all(last.id) as Array<{
            repo: string;
          }>
        ).map((row) => row.repo),
      );
      return new Set(planned.filter((key): key is string => typeof key === 'string' && !recorded.has(key)));
    });
  }

  /** The last `limit` results of one repository, newest first: its trend. */
  trend(repo: string, limit = 10): SweepResultRow[] {
    return this.store.read((db) =>
      (
        db
          .prepare('SELECT * FROM sweep_results WHERE repo = ? ORDER BY sweep_id DESC LIMIT ?')
          .all(repo, limit) as unknown as RawResult[]
      ).map(toResult),
    );
  }

  sweeps(limit = 20): SweepRow[] {
    return this.store.read((db) =>
      (
        db.prepare('SELECT * FROM sweeps ORDER BY id DESC LIMIT ?').all(limit) as unknown as Array<{
          id: number;
          started_at: string;
          finished_at: string | null;
          manifest: string;
          repositories: number;
          unhealthy: number;
        }>
      ).map((row) => ({
        id: row.id,
        startedAt: row.started_at,
        finishedAt: row.finished_at ?? undefined,
        manifest: row.manifest,
        repositories: row.repositories,
        unhealthy: row.unhealthy,
      })),
    );
  }
}
