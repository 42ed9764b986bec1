import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { ForgeFactory } from '../forge/index.js';
import { resolveForgeTarget } from '../forge/index.js';
import type { ManifestRepo } from '../manifest/manifest.js';
import { messages } from '../messages.js';
import { evaluatePolicy } from '../review/policy.js';
import { repoReviewPolicy } from '../review/policy-source.js';
import type { DriftCheck, DriftProvider } from './drift.js';
import { describeError } from './errors.js';
import { git, operationInProgress, originUrl } from './git.js';
import { readRepoState } from './repo-state.js';

export type RepoStatus = 'healthy' | 'unhealthy' | 'failed' | 'timeout';

export interface RepoReport {
  readonly repo: string;
  readonly name: string;
  readonly path: string;
  readonly tags: readonly string[];
  status: RepoStatus;
  problems: string[];
  git: {
    cloned: boolean;
    fetched: boolean | null;
    branch: string | null;
    upstream: string | null;
    dirty: number | null;
    ahead: number | null;
    behind: number | null;
    /** The operation the working tree is in the middle of (`a rebase`, `a merge`...), if any. */
    inProgress: string | null;
  };
  drift: { checks: DriftCheck[]; fixed: boolean | null; fixDetail: string | null };
  state: {
    initialized: boolean;
    tasks: Record<string, number> | null;
    leasesRecovered: number;
    pulls: Record<string, number>;
    reviewDecisionsSince: number;
    gateFailuresSince: number | null;
    guardRefusalsSince: number | null;
    since: string | null;
  } | null;
  pulls: {
    forge: string;
    project: string;
    open: Array<{ number: number; title: string; verdict: string }>;
  } | null;
  exec: { command: string; code: number; output: string } | null;
  durationMs: number;
}

export interface SweepOptions {
  readonly concurrency: number;
  readonly fix: boolean;
  readonly exec: string | undefined;
  readonly timeoutMs: number;
  readonly drift: DriftProvider;
  readonly forges: ForgeFactory | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** When each repository was last swept (for "since the last sweep"). */
  readonly lastSwept: (repo: ManifestRepo) => string | undefined;
  /** Aborted: start no more repositories and stop the running ones (their results are left out). */
  readonly signal?: AbortSignal;
  readonly onStart?: (repo: ManifestRepo) => void;
  readonly onDone?: (report: RepoReport) => void;
}

export function defaultConcurrency(): number {
  // Git work is mostly waiting on child processes and the disk: twice the CPUs keeps them busy.
  return Math.max(2, Math.min(16, availableParallelism() * 2));
}

/**
 * Sweeps repositories with at most `concurrency` at once. Each repository runs in isolation: its own
 * abort signal and time limit, every failure caught into its own report, so one broken or hanging
 * repository never stops the others. Reports come back in manifest order.
 */
export async function sweep(
  repos: readonly ManifestRepo[],
  options: SweepOptions,
): Promise<Array<RepoReport | undefined>> {
  const reports: Array<RepoReport | undefined> = new Array(repos.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted) return;
      const index = next++;
      if (index >= repos.length) return;
      const repo = repos[index]!;
      options.onStart?.(repo);
      const report = await sweepOneIsolated(repo, options);
      if (!report) return; // interrupted: not a result
      reports[index] = report;
      options.onDone?.(report);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, repos.length)) }, worker);
  await Promise.all(workers);
  return reports;
}

/** How long a stopped repository's work may take to wind down once its processes were killed. */
const STOP_GRACE_MS = 5000;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

function emptyReport(repo: ManifestRepo): RepoReport {
  return {
    repo: repo.key,
    name: repo.name,
    path: repo.path,
    tags: repo.tags,
    status: 'healthy',
    problems: [],
    git: {
      cloned: false,
      fetched: null,
      branch: null,
      upstream: null,
      dirty: null,
      ahead: null,
      behind: null,
      inProgress: null,
    },
    drift: { checks: [], fixed: null, fixDetail: null },
    state: null,
    pulls: null,
    exec: null,
    durationMs: 0,
  };
}

async function sweepOneIsolated(repo: ManifestRepo, options: SweepOptions): Promise<RepoReport | undefined> {
  const started = performance.now();
  const report = emptyReport(repo);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onInterrupt: (() => void) | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, options.timeoutMs);
  });
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onInterrupt = () => {
      controller.abort();
      resolve('interrupted');
    };
    if (options.signal?.aborted) onInterrupt();
    else options.signal?.addEventListener('abort', onInterrupt, { once: true });
  });
  try {
    const work = sweepOne(repo, report, options, controller.signal);
    const outcome = await Promise.race([work, timeout, interrupted]);
    if (outcome === 'timeout' || outcome === 'interrupted') {
      // The abort killed the process groups of its git and --exec children; wait (a little) until they
      // are gone, so that nothing this repository started outlives its report or the sweep. What the
      // work reports while it winds down ("aborted") is noise, not a finding.
      const found = [...report.problems];
      await Promise.race([work.catch(() => {}), delay(STOP_GRACE_MS)]);
      report.problems = found;
    }
    if (outcome === 'interrupted') return undefined;
    if (outcome === 'timeout') {
      report.status = 'timeout';
      report.problems.push(`timed out after ${Math.round(options.timeoutMs / 1000)} s`);
    } else if (report.problems.length > 0 && report.status === 'healthy') {
      report.status = 'unhealthy';
    }
  } catch (error) {
    if (options.signal?.aborted) return undefined;
    report.status = 'failed';
    report.problems.push(describeError(error));
  } finally {
    clearTimeout(timer);
    if (onInterrupt) options.signal?.removeEventListener('abort', onInterrupt);
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

async function sweepOne(
  repo: ManifestRepo,
  report: RepoReport,
  options: SweepOptions,
  signal: AbortSignal,
): Promise<void> {
  const run = (args: string[], timeoutMs = options.timeoutMs) => git(repo.path, args, { signal, timeoutMs });

  if (!existsSync(repo.path)) {
    if (!repo.url)
      throw new Error(`${repo.path} does not exist and the manifest gives no url to clone it from`);
    mkdirSync(dirname(repo.path), { recursive: true });
    const clone = await git(dirname(repo.path), ['clone', '--quiet', repo.url, repo.path], {
      signal,
      timeoutMs: options.timeoutMs,
    });
    if (clone.code !== 0) throw new Error(`clone of ${repo.url} failed: ${firstLine(clone.stderr)}`);
    report.git.cloned = true;
  }
  // Two git processes per repository, like a hand-written loop: fetch (when there is an origin), then
  // status, which also proves this is a working tree and gives branch, upstream and ahead/behind.
  if (originUrl(repo.path) !== undefined) {
    const fetch = await run(['fetch', '--quiet', '--prune', 'origin']);
    report.git.fetched = fetch.code === 0;
    if (fetch.code !== 0) report.problems.push(`fetch failed: ${firstLine(fetch.stderr)}`);
  }
  const status = await run(['status', '--porcelain=v2', '--branch']);
  if (status.code !== 0) {
    throw new Error(`${repo.path} is not a git working tree (${firstLine(status.stderr)})`);
  }
  let dirty = 0;
  let conflicted = 0;
  for (const line of status.stdout.split('\n')) {
    if (line.startsWith('# branch.head ')) report.git.branch = line.slice(14);
    else if (line.startsWith('# branch.upstream ')) report.git.upstream = line.slice(18);
    else if (line.startsWith('# branch.ab ')) {
      const [, ahead, behind] = /\+(\d+) -(\d+)/.exec(line) ?? [];
      report.git.ahead = Number(ahead ?? 0);
      report.git.behind = Number(behind ?? 0);
    } else if (line && !line.startsWith('#')) {
      dirty++;
      if (line.startsWith('u ')) conflicted++;
    }
  }
  report.git.dirty = dirty;
  // A rebase or merge left halfway is work that waits for a person, whether or not conflicts remain.
  const operation = operationInProgress(repo.path);
  report.git.inProgress = operation ?? null;
  if (operation) report.problems.push(messages.sweepOperationInProgress(operation, conflicted));
  else if (conflicted > 0) report.problems.push(messages.sweepConflicts(conflicted));

  report.drift.checks = await options.drift.check(repo.path, signal);
  if (options.fix && report.drift.checks.some((c) => !c.ok)) {
    const fixed = await options.drift.fix(repo.path, signal);
    report.drift.fixed = fixed.ok;
    report.drift.fixDetail = fixed.detail;
    report.drift.checks = await options.drift.check(repo.path, signal);
    if (!fixed.ok) report.problems.push(`--fix failed: ${fixed.detail}`);
  }
  for (const check of report.drift.checks)
    if (!check.ok) report.problems.push(`${check.name}: ${check.detail}`);

  const since = options.lastSwept(repo);
  const state = readRepoState(repo.path, since);
  report.state = { ...state, since: since ?? null };
  if (state.leasesRecovered > 0) {
    report.problems.push(
      `${state.leasesRecovered} expired lease${state.leasesRecovered === 1 ? '' : 's'} recovered (a worker stopped without releasing its task)`,
    );
  }

  if (options.forges) {
    const target = await resolveForgeTarget(repo, options.env);
    if (target) {
      try {
        const forge = await options.forges.create(target);
        const policy = await repoReviewPolicy(repo);
        const open = [];
        for (const summary of await forge.listOpen()) {
          const snapshot = await forge.snapshot(summary.number);
          open.push({
            number: summary.number,
            title: summary.title,
            verdict: evaluatePolicy(snapshot, policy).verdict,
          });
        }
        report.pulls = { forge: target.kind, project: target.project, open };
      } catch (error) {
        report.problems.push(`pull requests: ${describeError(error)}`);
      }
    }
  }

  if (options.exec) {
    report.exec = await execIn(repo.path, options.exec, signal);
    if (report.exec.code !== 0) report.problems.push(`--exec exited ${report.exec.code}`);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) || 'no output';
}

/**
 * Runs `--exec` through the shell in the repository, in its own process group so that a time-out ends
 * the command and everything it started (a shell's grandchildren would otherwise hold the pipes open).
 * Keeps only the last lines of output.
 */
function execIn(
  cwd: string,
  command: string,
  signal: AbortSignal,
): Promise<{ command: string; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
    };
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    child.on('error', (error) => resolve({ command, code: 127, output: error.message }));
    child.on('close', (code) => {
      signal.removeEventListener('abort', kill);
      resolve({ command, code: code ?? 1, output: output.trim().split('\n').slice(-20).join('\n') });
    });
  });
}
