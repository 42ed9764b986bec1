import type { PostgresDatabase, PostgresSchema } from '@factory/core/state/postgres/connection';
import { type ShipSource, shipAppendOnly, shipRows } from '@factory/core/state/postgres/ship';
import type { StateStore } from '@factory/core/state/store';
import { fleetSchema } from './migrations/index.js';
import { TRANSITIONS } from './pull-requests.js';

/**
 * fleet's records on the team's PostgreSQL database, copied by `factory state sync` (and the commands that
 * sync): each pull request's snapshot beside its shared task (keyed like the task, `github:owner/repo#12`;
 * the newest snapshot wins), every review decision, and the sweep history of each `$FACTORY_HOME`. Rows
 * copied from a state file are keyed by its source id and their id there, so copying is idempotent.
 */
export const fleetPostgresSchema: PostgresSchema = {
  owner: 'fleet',
  migrations: [
    {
      name: 'review-records-and-sweep-history',
      sql: `
        CREATE TABLE pull_request_snapshots (
          pull_key     text    PRIMARY KEY,
          forge        text    NOT NULL,
          repo         text    NOT NULL,
          number       integer NOT NULL,
          title        text    NOT NULL,
          url          text    NOT NULL,
          author       text    NOT NULL,
          head_sha     text    NOT NULL,
          review_state text,
          merged_sha   text,
          first_seen   text    NOT NULL,
          updated_at   text    NOT NULL,
          source       text    NOT NULL,
          repository   text    NOT NULL
        );
        CREATE INDEX pull_request_snapshots_source ON pull_request_snapshots (source, updated_at);
        CREATE TABLE review_decisions (
          source     text    NOT NULL,
          local_id   bigint  NOT NULL,
          repository text    NOT NULL,
          host       text    NOT NULL,
          pull_key   text    NOT NULL,
          head_sha   text    NOT NULL,
          verdict    text    NOT NULL,
          reasons    text    NOT NULL,
          action     text    NOT NULL,
          detail     text,
          decided_at text    NOT NULL,
          PRIMARY KEY (source, local_id)
        );
        CREATE INDEX review_decisions_by_pull ON review_decisions (pull_key, decided_at);
        CREATE TABLE sweeps (
          source       text    NOT NULL,
          local_id     bigint  NOT NULL,
          host         text    NOT NULL,
          started_at   text    NOT NULL,
          finished_at  text,
          manifest     text    NOT NULL,
          options      text    NOT NULL,
          repositories integer NOT NULL,
          unhealthy    integer NOT NULL,
          PRIMARY KEY (source, local_id)
        );
        CREATE TABLE sweep_results (
          source      text    NOT NULL,
          sweep_id    bigint  NOT NULL,
          repo        text    NOT NULL,
          name        text    NOT NULL,
          status      text    NOT NULL,
          problems    text    NOT NULL,
          result      text    NOT NULL,
          duration_ms integer NOT NULL,
          finished_at text    NOT NULL,
          PRIMARY KEY (source, sweep_id, repo),
          FOREIGN KEY (source, sweep_id) REFERENCES sweeps (source, local_id)
        );
      `,
    },
  ],
};

type Row = Record<string, unknown>;
const keyOf = (row: Row) => `${row.forge}:${row.repo}#${row.number}`;

/** Copies the repository's pull-request snapshots and review decisions not yet on PostgreSQL. */
export async function shipReviewRecords(
  db: PostgresDatabase,
  store: StateStore,
  source: ShipSource,
): Promise<{ snapshots: number; reviewDecisions: number }> {
  await db.ensure(fleetPostgresSchema);
  if (store.version(fleetSchema.owner) < fleetSchema.migrations.length)
    return { snapshots: 0, reviewDecisions: 0 };
  const since = (
    await db.query<{ since: string | null }>(
      'SELECT max(updated_at) AS since FROM pull_request_snapshots WHERE source = $1',
      [source.id],
    )
  ).rows[0]?.since;
  const snapshots = store.read(
    (sqlite) =>
      sqlite
        .prepare('SELECT * FROM pull_request_snapshots WHERE updated_at >= ? ORDER BY updated_at')
        .all(since ?? '') as unknown as Row[],
  );
  const snapshotColumns = [
    'forge',
    'repo',
    'number',
    'title',
    'url',
    'author',
    'head_sha',
    'review_state',
    'merged_sha',
    'first_seen',
    'updated_at',
  ];
  // Reviewers on several machines see the same request: the snapshot read last is kept, unless it would
  // take the request where review's own state machine never goes (out of merged; out of merging but to
  // its outcome), as a reviewer that lost the merge to another still holds `approved`. `merged` is final
  // and wins whenever it arrives: the loser's `approved` may have been read after the winner's merge.
  const allowed = Object.entries(TRANSITIONS)
    .flatMap(([from, targets]) => targets.map((to) => `('${from}', '${to}')`))
    .join(', ');
  const shippedSnapshots = await shipRows(
    db,
    'pull_request_snapshots',
    ['pull_key', ...snapshotColumns, 'source', 'repository'],
    snapshots.map((row) => [
      keyOf(row),
      ...snapshotColumns.map((c) => row[c] ?? null),
      source.id,
      source.repository,
    ]),
    `ON CONFLICT (pull_key) DO UPDATE SET ${[
      ...snapshotColumns.filter((c) => c !== 'first_seen'),
      'source',
      'repository',
    ]
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ')}
     WHERE (EXCLUDED.review_state = 'merged' AND pull_request_snapshots.review_state IS DISTINCT FROM 'merged')
        OR (pull_request_snapshots.updated_at <= EXCLUDED.updated_at
            AND (pull_request_snapshots.review_state IS NOT DISTINCT FROM EXCLUDED.review_state
                 OR pull_request_snapshots.review_state IS NULL
                 OR (pull_request_snapshots.review_state, EXCLUDED.review_state) IN (${allowed})))`,
  );
  const reviewDecisions = await shipAppendOnly(
    db,
    store,
    'review_decisions',
    [
      'source',
      'local_id',
      'repository',
      'host',
      'pull_key',
      'head_sha',
      'verdict',
      'reasons',
      'action',
      'detail',
      'decided_at',
    ],
    source,
    (row) => [
      source.id,
      Number(row.id),
      source.repository,
      source.host,
      keyOf(row),
      row.head_sha,
      row.verdict,
      row.reasons,
      row.action,
      row.detail ?? null,
      row.decided_at,
    ],
  );
  return { snapshots: shippedSnapshots, reviewDecisions };
}

/**
 * Copies `$FACTORY_HOME`'s sweep history: sweeps from the oldest one PostgreSQL has unfinished (or the first
 * new one) on, with their results; a sweep still running is copied again once it finished.
 */
export async function shipSweepHistory(
  db: PostgresDatabase,
  store: StateStore,
  source: ShipSource,
): Promise<{ sweeps: number; sweepResults: number }> {
  await db.ensure(fleetPostgresSchema);
  const from = Number(
    (
      await db.query<{ from: number | null }>(
        `SELECT coalesce(min(local_id) FILTER (WHERE finished_at IS NULL), max(local_id) + 1, 0) AS from
         FROM sweeps WHERE source = $1`,
        [source.id],
      )
    ).rows[0]?.from ?? 0,
  );
  const { sweeps, results } = store.read((sqlite) => ({
    sweeps: sqlite.prepare('SELECT * FROM sweeps WHERE id >= ? ORDER BY id').all(from) as unknown as Row[],
    results: sqlite
      .prepare('SELECT * FROM sweep_results WHERE sweep_id >= ? ORDER BY sweep_id, repo')
      .all(from) as unknown as Row[],
  }));
  const shippedSweeps = await shipRows(
    db,
    'sweeps',
    [
      'source',
      'local_id',
      'host',
      'started_at',
      'finished_at',
      'manifest',
      'options',
      'repositories',
      'unhealthy',
    ],
    sweeps.map((row) => [
      source.id,
      Number(row.id),
      source.host,
      row.started_at,
      row.finished_at ?? null,
      row.manifest,
      row.options,
      row.repositories,
      row.unhealthy,
    ]),
    `ON CONFLICT (source, local_id) DO UPDATE SET finished_at = EXCLUDED.finished_at,
       repositories = EXCLUDED.repositories, unhealthy = EXCLUDED.unhealthy`,
  );
  const resultColumns = ['repo', 'name', 'status', 'problems', 'result', 'duration_ms', 'finished_at'];
  const sweepResults = await shipRows(
    db,
    'sweep_results',
    ['source', 'sweep_id', ...resultColumns],
    results.map((row) => [source.id, Number(row.sweep_id), ...resultColumns.map((c) => row[c])]),
    `ON CONFLICT (source, sweep_id, repo) DO UPDATE SET ${resultColumns
      .slice(1)
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ')}`,
  );
  return { sweeps: shippedSweeps, sweepResults };
}

/** What the team's PostgreSQL database holds of review and sweeps, for `factory status`. */
export interface TeamFleetFigures {
  readonly pullRequests: Array<{ reviewState: string; count: number }>;
  readonly reviewDecisionsSince: number;
  readonly lastSweeps: Array<{
    host: string;
    startedAt: string;
    finishedAt: string | null;
    repositories: number;
    unhealthy: number;
  }>;
}

export async function teamFleetFigures(db: PostgresDatabase, since: string): Promise<TeamFleetFigures> {
  await db.ensure(fleetPostgresSchema);
  return db.read(async (client) => {
    const pulls = (
      await client.query(
        `SELECT coalesce(review_state, 'open') AS state, count(*)::integer AS count FROM pull_request_snapshots
         GROUP BY 1 ORDER BY 1`,
      )
    ).rows as Array<{ state: string; count: number }>;
    const decisions = (
      await client.query('SELECT count(*)::integer AS n FROM review_decisions WHERE decided_at >= $1', [
        since,
      ])
    ).rows[0] as { n: number };
    const sweeps = (
      await client.query(
        'SELECT host, started_at, finished_at, repositories, unhealthy FROM sweeps ORDER BY started_at DESC LIMIT 3',
      )
    ).rows as Array<{
      host: string;
      started_at: string;
      finished_at: string | null;
      repositories: number;
      unhealthy: number;
    }>;
    return {
      pullRequests: pulls.map((p) => ({ reviewState: p.state, count: p.count })),
      reviewDecisionsSince: decisions.n,
      lastSweeps: sweeps.map((s) => ({
        host: s.host,
        startedAt: s.started_at,
        finishedAt: s.finished_at,
        repositories: s.repositories,
        unhealthy: s.unhealthy,
      })),
    };
  });
}

export function renderTeamFleetFigures(figures: TeamFleetFigures): string[] {
  const lines = [
    `pull requests: ${figures.pullRequests.map((p) => `${p.count} ${p.reviewState}`).join(', ') || 'none shipped'}`,
    `review decisions in the last 24 h: ${figures.reviewDecisionsSince}`,
  ];
  for (const s of figures.lastSweeps) {
    lines.push(
      `sweep ${s.startedAt} on ${s.host}: ${s.repositories} repositories, ${s.unhealthy} unhealthy${s.finishedAt ? '' : ' (unfinished)'}`,
    );
  }
  return lines;
}
