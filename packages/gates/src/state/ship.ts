import type { PostgresDatabase, PostgresSchema } from '@factory/core/state/postgres/connection';
import { type ShipSource, shipAppendOnly } from '@factory/core/state/postgres/ship';
import type { StateStore } from '@factory/core/state/store';
import { foldGateInbox } from './gate-runs.js';
import { foldGuardInbox } from './guard-decisions.js';
import { gatesSchema } from './migrations/index.js';

/**
 * gates' tables on the team's PostgreSQL database: every repository's gate runs and guard decisions,
 * copied from its `.factory/state.db` by `factory state sync` (and the commands that sync). The hooks
 * never come here: they write to SQLite, and this module (which needs `pg`) is not reachable from the gate
 * runner or the guard's hook (a dependency-cruiser rule checks it). Rows are keyed by the state file they
 * come from and their id there, so copying is idempotent.
 */
export const gatesPostgresSchema: PostgresSchema = {
  owner: 'gates',
  migrations: [
    {
      name: 'gate-runs-and-guard-decisions',
      sql: `
        CREATE TABLE gate_runs (
          source      text    NOT NULL,
          local_id    bigint  NOT NULL,
          repository  text    NOT NULL,
          host        text    NOT NULL,
          gate        text    NOT NULL,
          status      text    NOT NULL CHECK (status IN ('passed', 'failed', 'error', 'interrupted')),
          duration_ms integer NOT NULL,
          started_at  text    NOT NULL,
          sha         text,
          skipped     text    NOT NULL,
          skip_reason text,
          checks      text    NOT NULL,
          PRIMARY KEY (source, local_id)
        );
        CREATE INDEX gate_runs_started ON gate_runs (started_at DESC);
        CREATE TABLE guard_decisions (
          source        text   NOT NULL,
          local_id      bigint NOT NULL,
          repository    text   NOT NULL,
          host          text   NOT NULL,
          at            text   NOT NULL,
          session_id    text,
          tool          text   NOT NULL,
          input_summary text   NOT NULL,
          decision      text   NOT NULL CHECK (decision IN ('allow', 'ask', 'deny')),
          rule          text,
          reason        text,
          cwd           text,
          note          text,
          PRIMARY KEY (source, local_id)
        );
        CREATE INDEX guard_decisions_at ON guard_decisions (at DESC);
      `,
    },
  ],
};

/** A table whose rows go as they are, behind the file they come from, its id there, repository and host. */
function shipTable(
  db: PostgresDatabase,
  store: StateStore,
  table: 'gate_runs' | 'guard_decisions',
  columns: readonly string[],
  source: ShipSource,
): Promise<number> {
  return shipAppendOnly(
    db,
    store,
    table,
    ['source', 'local_id', 'repository', 'host', ...columns],
    source,
    (row) => [
      source.id,
      Number(row.id),
      source.repository,
      source.host,
      ...columns.map((c) => row[c] ?? null),
    ],
  );
}

/** Copies the repository's gate runs and guard decisions not yet on PostgreSQL; returns how many. */
export async function shipGatesState(
  db: PostgresDatabase,
  store: StateStore,
  source: ShipSource,
): Promise<{ gateRuns: number; guardDecisions: number }> {
  await db.ensure(gatesPostgresSchema);
  // A state.db that gates never wrote to has none of their tables: nothing to ship, nothing created.
  if (store.version(gatesSchema.owner) === 0) return { gateRuns: 0, guardDecisions: 0 };
  store.ensure(gatesSchema);
  // Refusals the hook posted to the inbox are guard decisions too, and runs the gates posted to theirs are
  // gate runs: into state.db first, then shipped.
  foldGuardInbox(store);
  foldGateInbox(store);
  const gateRuns = await shipTable(
    db,
    store,
    'gate_runs',
    ['gate', 'status', 'duration_ms', 'started_at', 'sha', 'skipped', 'skip_reason', 'checks'],
    source,
  );
  const guardDecisions = await shipTable(
    db,
    store,
    'guard_decisions',
    ['at', 'session_id', 'tool', 'input_summary', 'decision', 'rule', 'reason', 'cwd', 'note'],
    source,
  );
  return { gateRuns, guardDecisions };
}

/** The team's figures of one repository (all its clones), over the period `factory status` shows. */
export interface TeamRepositoryFigures {
  readonly repository: string;
  readonly gateRuns: number;
  readonly gateRunsNotPassed: number;
  readonly guardRefusals: number;
  readonly lastGateRun: string | null;
}

export interface TeamGateFigures {
  readonly since: string;
  readonly repositories: TeamRepositoryFigures[];
  readonly recentRefusals: Array<{
    repository: string;
    host: string;
    at: string;
    tool: string;
    decision: string;
    rule: string | null;
    reason: string | null;
  }>;
}

/** Gate runs and guard refusals of every repository that shipped to this database since `since` (ISO). */
export async function teamGateFigures(db: PostgresDatabase, since: string): Promise<TeamGateFigures> {
  await db.ensure(gatesPostgresSchema);
  return db.read(async (client) => {
    const runs = (
      await client.query(
        `SELECT repository, count(*)::integer AS runs,
                count(*) FILTER (WHERE status <> 'passed')::integer AS not_passed, max(started_at) AS last
         FROM gate_runs WHERE started_at >= $1 GROUP BY repository`,
        [since],
      )
    ).rows as Array<{ repository: string; runs: number; not_passed: number; last: string }>;
    const refusals = (
      await client.query(
        `SELECT repository, count(*)::integer AS refusals FROM guard_decisions
         WHERE at >= $1 AND decision <> 'allow' GROUP BY repository`,
        [since],
      )
    ).rows as Array<{ repository: string; refusals: number }>;
    const recent = (
      await client.query(
        `SELECT repository, host, at, tool, decision, rule, reason FROM guard_decisions
         WHERE at >= $1 AND decision <> 'allow' ORDER BY at DESC, local_id DESC LIMIT 5`,
        [since],
      )
    ).rows as TeamGateFigures['recentRefusals'];
    const byRepository = new Map<string, TeamRepositoryFigures>();
    const entry = (repository: string) =>
      byRepository.get(repository) ?? {
        repository,
        gateRuns: 0,
        gateRunsNotPassed: 0,
        guardRefusals: 0,
        lastGateRun: null,
      };
    for (const r of runs) {
      byRepository.set(r.repository, {
        ...entry(r.repository),
        gateRuns: r.runs,
        gateRunsNotPassed: r.not_passed,
        lastGateRun: r.last,
      });
    }
    for (const r of refusals)
      byRepository.set(r.repository, { ...entry(r.repository), guardRefusals: r.refusals });
    return {
      since,
      repositories: [...byRepository.values()].sort((a, b) => a.repository.localeCompare(b.repository)),
      recentRefusals: recent,
    };
  });
}

/** The human lines of the team's figures (`factory status` with FACTORY_STATE_URL). */
export function renderTeamGateFigures(figures: TeamGateFigures): string[] {
  if (figures.repositories.length === 0)
    return [`nothing shipped since ${figures.since}: run factory state sync`];
  const lines = [`since ${figures.since}`];
  for (const r of figures.repositories) {
    lines.push(
      `${r.repository}: ${r.gateRuns} gate run(s), ${r.gateRunsNotPassed} not passed, ${r.guardRefusals} guard refusal(s)`,
    );
  }
  for (const d of figures.recentRefusals) {
    lines.push(
      `${d.at}  ${d.repository} (${d.host})  ${d.decision} ${d.tool}${d.rule ? ` [${d.rule}]` : ''}`,
    );
  }
  return lines;
}
