import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ForgeFactory } from '../forge/index.js';
import { loopConfig, optionalManifest } from './context.js';
import { type Dispatch, type TickReport, tick } from './tick.js';

export interface LoopOptions {
  /** The repository the command runs in, when it runs in one (its tasks are looked after too). */
  readonly current: string | undefined;
  readonly manifest?: string;
  readonly concurrency?: number;
  readonly claude?: string;
  /** How to start the factory bin for a worker: this very node and bin. */
  readonly factory: { readonly node: string; readonly bin: string };
  readonly env?: NodeJS.ProcessEnv;
}

interface LoopSetup {
  readonly repos: string[];
  readonly concurrency: number;
  readonly leaseSeconds: number;
  readonly cadenceSeconds: number;
  readonly manifestFile: string;
  readonly forges: ForgeFactory;
}

async function setup(options: LoopOptions, env: NodeJS.ProcessEnv): Promise<LoopSetup> {
  const manifest = optionalManifest(options.manifest, env);
  const repos = [...manifest.repositories.map((r) => r.path), ...(options.current ? [options.current] : [])];
  const configRoot = options.current ?? manifest.repositories[0]?.path;
  const config = configRoot ? await loopConfig(configRoot) : undefined;
  return {
    repos,
    concurrency: options.concurrency ?? config?.concurrency ?? 2,
    leaseSeconds: config?.leaseSeconds ?? 60,
    cadenceSeconds: config?.cadenceSeconds ?? 30,
    manifestFile: manifest.file,
    forges: new ForgeFactory(env),
  };
}

let dispatches = 0;

/**
 * Starts `factory work TASK --owner OWNER` for a claimed task, detached (in its own process group, its
 * output in the repository's `.factory/sessions/`): a worker outlives the loop that started it, holds
 * its own lease and heartbeats it, so killing the loop loses nothing and a dead worker's task is
 * recovered when its lease expires.
 */
function startWorker(
  options: LoopOptions,
  env: NodeJS.ProcessEnv,
  manifestFile: string,
  onExit?: () => void,
) {
  return (dispatch: Dispatch) => {
    const logs = join(dispatch.repo, '.factory', 'sessions');
    mkdirSync(logs, { recursive: true });
    const out = openSync(join(logs, `worker-task-${dispatch.taskId}-${Date.now()}.log`), 'a');
    const args = [
      options.factory.bin,
      'work',
      String(dispatch.taskId),
      '--owner',
      dispatch.owner,
      '--cwd',
      dispatch.repo,
      '--manifest',
      manifestFile,
      ...(options.claude ? ['--claude', options.claude] : []),
    ];
    const child = spawn(options.factory.node, args, {
      cwd: dispatch.repo,
      env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.on('exit', () => onExit?.());
    child.on('error', () => onExit?.());
    child.unref();
  };
}

function ownerFor(taskId: number): string {
  dispatches++;
  return `loop:${hostname()}:${process.pid}:${dispatches}:task-${taskId}`;
}

/** `factory loop tick`: one pass; the workers it starts run on after it returns. */
export async function loopTick(options: LoopOptions): Promise<TickReport> {
  const env = options.env ?? process.env;
  const s = await setup(options, env);
  return tick({
    repos: s.repos,
    manifest: optionalManifest(options.manifest, env),
    forges: s.forges,
    concurrency: s.concurrency,
    leaseSeconds: s.leaseSeconds,
    ownerFor,
    start: startWorker(options, env, s.manifestFile),
    env,
  });
}

/**
 * `factory loop run`: a tick, then another when a worker ends or the cadence has passed; with `untilIdle`
 * it ends once a tick finds no task ready or running. SIGINT or SIGTERM end it after the current tick;
 * workers finish their tasks on their own.
 */
export async function loopRun(
  options: LoopOptions & {
    readonly untilIdle?: boolean;
    readonly onTick?: (report: TickReport) => void;
    /** Awaited after each tick's report, before the wait (the cli ships the team's copy here). */
    readonly afterTick?: (report: TickReport) => Promise<void>;
    /** Awaited once when the loop ends by itself or by a signal. */
    readonly onEnd?: () => Promise<void>;
  },
): Promise<{ ticks: number; lastReport: TickReport | undefined }> {
  const env = options.env ?? process.env;
  const s = await setup(options, env);
  let wake: (() => void) | undefined;
  let stopping = false;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let ticks = 0;
  let last: TickReport | undefined;
  try {
    while (!stopping) {
      last = await tick({
        repos: s.repos,
        manifest: optionalManifest(options.manifest, env),
        forges: s.forges,
        concurrency: s.concurrency,
        leaseSeconds: s.leaseSeconds,
        ownerFor,
        start: startWorker(options, env, s.manifestFile, () => wake?.()),
        env,
      });
      ticks++;
      options.onTick?.(last);
      await options.afterTick?.(last);
      if (options.untilIdle && last.idle) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, s.cadenceSeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          // Give the worker's last writes a moment before the next pass reads them.
          setTimeout(resolve, 50);
        };
      });
      wake = undefined;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await options.onEnd?.();
  return { ticks, lastReport: last };
}
