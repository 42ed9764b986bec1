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

/** The sweep was stopped by a signal: the command exits 130, as a shell does after Ctrl-C. */
export class SweepInterrupted extends Error {}

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
      // What was not healthy last time, what was never swept, and what an interrupted sweep never reached.
      const unreached = history.unreachedByLastSweep();
      repos = repos.filter((repo) => {
        const last = previous.get(repo.key);
        return last === undefined || last.status !== 'healthy' || unreached.has(repo.key);
      });
    }
    const concurrency = options.concurrency ?? defaultConcurrency();
    const sweepId = history.start(file, {
      concurrency,
      fix: options.fix,
      exec: options.exec ?? null,
      resume: options.resume,
      only: options.only ?? null,
      // What this sweep means to cover: a --resume after an interrupt covers what it never reached.
      planned: repos.map((repo) => repo.key),
    });
    const progress = startProgress(repos.length, { json: options.json });
    // The installer's checks run on this thread: measured on 2 CPUs, worker threads were slower and
    // heavier (their synchronous git calls compete for the same cores as the fetches).
    const drift = factoryDriftProvider({
      nodePath: process.execPath,
      binPath: factoryBinPath(),
      version: cliVersion(),
    });
    // Ctrl-C (or a TERM) stops the sweep cleanly: no repository is started after it, the ones running are
    // stopped with everything they started, and only finished results are recorded.
    const interrupt = new AbortController();
    const stop = () => interrupt.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const swept = await sweep(repos, {
      signal: interrupt.signal,
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
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    progress.stop();
    if (interrupt.signal.aborted) {
      const done = swept.filter((report) => report !== undefined).length;
      throw new SweepInterrupted(messages.sweepInterrupted(done, repos.length));
    }
    const reports = swept as RepoReport[];
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
