import type { RepositoryState } from './repository.js';
import type { Lease, TaskCounts } from './tasks.js';

/**
 * One section of `factory status`, contributed by a subsystem (gate runs, guard decisions, ...).
 * `collect` reads the state (it runs inside one read transaction with the others, so all sections see the
 * same snapshot); its result goes into `--json` under `sections[name]`, and `render` turns it into the
 * lines the human output shows under `title`.
 */
export interface StatusSection<T = unknown> {
  readonly name: string;
  readonly title: string;
  collect(state: RepositoryState): T;
  render(data: T): string[];
}

/** Helps TypeScript keep `collect` and `render` of one section in agreement. */
export function defineStatusSection<T>(section: StatusSection<T>): StatusSection<T> {
  return section;
}

export interface TaskStatus {
  readonly total: number;
  readonly byState: TaskCounts[];
}

export interface RepositoryStatus {
  readonly repository: string;
  readonly database: string;
  readonly tasks: TaskStatus;
  readonly leases: { readonly held: Lease[]; readonly expired: Lease[] };
  readonly sections: Record<string, unknown>;
}

/** Everything `factory status` shows, from one read snapshot. */
export function collectStatus(
  state: RepositoryState,
  sections: readonly StatusSection<unknown>[] = [],
): RepositoryStatus {
  return state.store.read(() => {
    const byState = state.tasks.counts();
    const leases = state.tasks.leases();
    const collected: Record<string, unknown> = {};
    for (const section of sections) collected[section.name] = section.collect(state);
    return {
      repository: state.repoRoot,
      database: state.store.path,
      tasks: { total: byState.reduce((sum, c) => sum + c.count, 0), byState },
      leases: { held: leases.filter((l) => !l.expired), expired: leases.filter((l) => l.expired) },
      sections: collected,
    };
  });
}

/** The human form of the status: plain lines, no colour (it is read in logs as often as in terminals). */
export function renderStatus(
  status: RepositoryStatus,
  sections: readonly StatusSection<unknown>[] = [],
): string[] {
  const lines = [`repository ${status.repository}`, ''];
  lines.push(`tasks (${status.tasks.total})`);
  if (status.tasks.byState.length === 0) lines.push('  none yet: add one with factory task add TITLE');
  let workflow = '';
  for (const c of status.tasks.byState) {
    if (c.workflow !== workflow) {
      workflow = c.workflow;
      lines.push(`  ${workflow}`);
    }
    lines.push(`    ${c.state.padEnd(20)} ${String(c.count).padStart(6)}  ${c.phase}`);
  }
  lines.push('', `leases held (${status.leases.held.length})`);
  for (const l of status.leases.held) {
    lines.push(`  task ${l.taskId} ${l.state} by ${l.owner} until ${l.expiresAt}: ${l.title}`);
  }
  lines.push(
    '',
    `leases expired (${status.leases.expired.length})${status.leases.expired.length ? ': run factory task recover' : ''}`,
  );
  for (const l of status.leases.expired) {
    lines.push(`  task ${l.taskId} ${l.state} by ${l.owner} since ${l.expiresAt}: ${l.title}`);
  }
  for (const section of sections) {
    if (!(section.name in status.sections)) continue;
    lines.push('', section.title);
    for (const line of section.render(status.sections[section.name])) lines.push(`  ${line}`);
  }
  return lines;
}
