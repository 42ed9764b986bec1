import { ExitCode, FactoryError } from '@factory/core';
import { ForgeFactory } from '@factory/fleet/forge/index';
import {
  defaultManifestPath,
  loadManifest,
  type ManifestRepo,
  requireRepositories,
  selectRepositories,
} from '@factory/fleet/manifest/manifest';
import { factoryDriftProvider } from '@factory/fleet/sweep/drift';
import { defaultConcurrency, type RepoReport, sweep } from '@factory/fleet/sweep/engine';
import { factoryHome, SweepHistory } from '@factory/fleet/sweep/home-store';
import { factoryBinPath } from '../bin-path.js';
import { messages } from '../messages.js';
import { cliVersion } from '../version.js';
import { startProgress } from './progress.js';
import { renderTable } from './table.js';

export interface RunSweepOptions {
  readonly manifest: string | undefined;
  readonly concurrency: number | undefined;
  readonly only: string | undefined;
  readonly fix: boolean;
  readonly exec: string | undefined;
  readonly resume: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly forges: boolean;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/** The `--json` document: its shape is a contract for scripts (version 1). */
export interface SweepDocument {
  readonly version: 1;
  readonly sweepId: number;
  readonly manifest: string;
  readonly options: {
    concurrency: number;
    fix: boolean;
    exec: string | null;
    resume: boolean;
    only: string | null;
  };
  readonly summary: { total: number; healthy: number; unhealthy: number; failed: number; timeout: number };
  readonly repositories: RepoReport[];
  /** Each repository's status in its earlier sweeps, newest first (up to 5): the trend. */
  readonly trends: Record<string, Array<{ status: string; finishedAt: string }>>;
}

export async function runSweep(
  options: RunSweepOptions,
): Promise<{ document: SweepDocument; lines: string[]; unhealthy: number }> {
  const file = options.manifest ?? defaultManifestPath(options.env);
  const manifest = loadManifest(file, options.env);
  let repos: readonly ManifestRepo[] = selectRepositories(manifest, options.only);
  requireRepositories(file, manifest);
  if (repos.length === 0 && options.only)
    throw new FactoryError(messages.manifestNoneTagged(options.only), ExitCode.usage);

  const history = SweepHistory.open(factoryHome(options.env));
  try {
    const previous = history.latestResults();
    const trends: SweepDocument['trends'] = {};
    if (options.resume) {
      repos = repos.filter((repo) => {
        const last = previous.get(repo.key);
        return last !== undefined && last.status !== 'healthy';
      });
    }
    const concurrency = options.concurrency ?? defaultConcurrency();
    const sweepId = history.start(file, {
      concurrency,
      fix: options.fix,
      exec: options.exec ?? null,
      resume: options.resume,
      only: options.only ?? null,
    });
    const progress = startProgress(repos.length, { json: options.json });
    // The installer's checks run on this thread: measured on 2 CPUs, worker threads were slower and
    // heavier (their synchronous git calls compete for the same cores as the fetches).
    const drift = factoryDriftProvider({
      nodePath: process.execPath,
      binPath: factoryBinPath(),
      version: cliVersion(),
    });
    const reports = await sweep(repos, {
      concurrency,
      fix: options.fix,
      exec: options.exec,
      timeoutMs: (options.timeoutSeconds ?? manifest.timeoutSeconds ?? 120) * 1000,
      drift,
      forges: options.forges ? new ForgeFactory(options.env) : undefined,
      env: options.env,
      lastSwept: (repo) => previous.get(repo.key)?.finishedAt,
      onStart: (repo) => progress.start(repo.name),
      onDone: (report) => {
        // Recorded as each repository finishes: an interrupted sweep keeps what it learnt.
        history.record(sweepId, {
          repo: report.repo,
          name: report.name,
          status: report.status,
          problems: report.problems,
          result: report,
          durationMs: report.durationMs,
          finishedAt: new Date().toISOString(),
        });
        progress.done(report);
      },
    });
    progress.stop();
    history.finish(sweepId);
    for (const report of reports) {
      trends[report.repo] = history
        .trend(report.repo, 6)
        .filter((row) => row.sweepId !== sweepId)
        .slice(0, 5)
        .map((row) => ({ status: row.status, finishedAt: row.finishedAt }));
    }
    const count = (status: RepoReport['status']) => reports.filter((r) => r.status === status).length;
    const summary = {
      total: reports.length,
      healthy: count('healthy'),
      unhealthy: count('unhealthy'),
      failed: count('failed'),
      timeout: count('timeout'),
    };
    const document: SweepDocument = {
      version: 1,
      sweepId,
      manifest: file,
      options: {
        concurrency,
        fix: options.fix,
        exec: options.exec ?? null,
        resume: options.resume,
        only: options.only ?? null,
      },
      summary,
      repositories: reports,
      trends,
    };
    const lines = options.json
      ? []
      : reports.length === 0 && options.resume
        ? [messages.resumeNothing]
        : [...renderTable(reports), messages.sweepSummary(summary)];
    return { document, lines, unhealthy: summary.total - summary.healthy };
  } finally {
    history.close();
  }
}
