import type { RepoReport } from '@factory/fleet/sweep/engine';
import Table from 'cli-table3';

function tasks(report: RepoReport): string {
  const counts = report.state?.tasks;
  if (!counts) return '-';
  const parts = Object.entries(counts).map(([state, n]) => `${n} ${state}`);
  return parts.length ? parts.join(', ') : '0';
}

/** Gate failures and guard refusals since the repository's previous sweep. */
function sinceLast(report: RepoReport): string {
  const state = report.state;
  if (!state) return '-';
  const parts = [
    state.gateFailuresSince ? `${state.gateFailuresSince} gate failed` : '',
    state.guardRefusalsSince ? `${state.guardRefusalsSince} guard refused` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : '0';
}

/** The final table: one row per repository, the first problem in full and how many more there are. */
export function renderTable(reports: readonly RepoReport[]): string[] {
  const table = new Table({
    head: [
      'repository',
      'status',
      'branch',
      'changes',
      'ahead/behind',
      'drift',
      'tasks',
      'since last',
      'PRs',
      'problems',
    ],
    style: { head: [], border: [], compact: true },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, null, null, null, 50] as never,
  });
  for (const report of reports) {
    const drifted = report.drift.checks.filter((c) => !c.ok).map((c) => c.name);
    const pulls = report.pulls
      ? `${report.pulls.open.length} (${report.pulls.open.filter((p) => p.verdict === 'merge').length} mergeable)`
      : '-';
    const problems = report.problems.length
      ? `${report.problems[0]}${report.problems.length > 1 ? ` (+${report.problems.length - 1} more)` : ''}`
      : '';
    table.push([
      report.name,
      report.status,
      report.git.branch ?? '-',
      report.git.dirty === null ? '-' : String(report.git.dirty),
      report.git.ahead === null ? '-' : `+${report.git.ahead}/-${report.git.behind}`,
      drifted.length ? drifted.join(', ') : report.drift.checks.length ? 'ok' : '-',
      tasks(report),
      sinceLast(report),
      pulls,
      problems,
    ]);
  }
  return table.toString().split('\n');
}
