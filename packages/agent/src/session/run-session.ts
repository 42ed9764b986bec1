import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { descendants, signalAll } from '@factory/core/proc/process-tree';
import { parseSession } from '../transcript/parse.js';
import type { ParsedSession } from '../transcript/session.js';

/** The tools a work session may use without asking: the guard and the sandbox judge every call. */
export const sessionTools = [
  'Bash',
  'Edit',
  'Write',
  'Read',
  'Glob',
  'Grep',
  'MultiEdit',
  'NotebookEdit',
  'TodoWrite',
] as const;

export interface SessionLimits {
  readonly maxTurns: number;
  readonly maxBudgetUsd: number;
  readonly timeoutSeconds: number;
}

export interface RunSessionOptions {
  readonly claudeBin: string;
  readonly cwd: string;
  readonly prompt: string;
  readonly limits: SessionLimits;
  /** Where the stream-json is written, line by line as it comes (it survives a crash of this process). */
  readonly streamPath: string;
  /** The session's environment: the caller's, so the model endpoint and key reach Claude Code as set. */
  readonly env?: NodeJS.ProcessEnv;
  /** Called once Claude Code runs, with its process id (record it so a crash can reclaim it). */
  readonly onStart?: (pid: number) => void;
  /** Other folders the session may work in (`--add-dir`): the task's worktrees in other repositories. */
  readonly addDirs?: readonly string[];
  /**
   * What the sandbox needs beyond the project's settings (Claude Code's `//`-prefixed absolute paths):
   * folders outside the working folders that sandboxed commands must write, and control places there that
   * they must not. Passed as extra settings (`--settings`), whose arrays Claude Code merges with the
   * project's.
   */
  readonly sandbox?: { readonly allowWrite: readonly string[]; readonly denyWrite: readonly string[] };
  /** Aborting stops the session (the caller lost its lease: another worker owns the task now). */
  readonly signal?: AbortSignal;
}

export interface SessionRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** The signals sent to stop the session, in order (SIGTERM, then SIGKILL when it did not go in time). */
  readonly signalsSent: readonly NodeJS.Signals[];
  /** The caller aborted the session. */
  readonly stopped: boolean;
  readonly stderr: string;
  readonly session: ParsedSession;
}

/**
 * Runs the real Claude Code CLI headless in a workspace:
 *   claude -p PROMPT --output-format stream-json --verbose --max-turns N --max-budget-usd USD
 * Asynchronous so that the caller keeps heartbeating its lease (and a scripted model server in the same
 * process keeps answering). A session past its time limit (or aborted) gets SIGTERM, then SIGKILL 5 s later
 * if it still runs; so do the processes it started (its Bash calls), which would otherwise outlive it.
 */
export function runSession(options: RunSessionOptions): Promise<SessionRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...(options.env ?? process.env),
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    const args = [
      '-p',
      options.prompt,
      '--output-format',
      'stream-json',
      '--verbose',
      '--max-turns',
      String(options.limits.maxTurns),
      '--max-budget-usd',
      String(options.limits.maxBudgetUsd),
      '--allowedTools',
      sessionTools.join(','),
      ...(options.addDirs ?? []).flatMap((dir) => ['--add-dir', dir]),
      ...(options.sandbox
        ? ['--settings', JSON.stringify({ sandbox: { filesystem: options.sandbox } })]
        : []),
    ];
    const out = openSync(options.streamPath, 'a');
    const child = spawn(options.claudeBin, args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const signalsSent: NodeJS.Signals[] = [];
    // The session's own processes, seen when it was told to stop: they get its signals too. (A pid may be
    // reused by then; the window is the few seconds of the grace period.)
    let tree: number[] = [];
    const stop = (why: 'timeout' | 'abort') => {
      if (why === 'timeout') timedOut = true;
      else stopped = true;
      if (killTimer || child.pid === undefined) return;
      tree = descendants(child.pid);
      signalsSent.push('SIGTERM');
      child.kill('SIGTERM');
      signalAll(tree, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) tree = [...new Set([...tree, ...descendants(child.pid)])];
        signalsSent.push('SIGKILL');
        child.kill('SIGKILL');
        signalAll(tree, 'SIGKILL');
      }, 5000);
    };
    const onAbort = () => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => writeSync(out, chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const timer = setTimeout(() => stop('timeout'), options.limits.timeoutSeconds * 1000);
    const done = () => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('spawn', () => {
      if (child.pid !== undefined) options.onStart?.(child.pid);
    });
    child.on('error', (error) => {
      done();
      closeSync(out);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      done();
      closeSync(out);
      // Claude Code went before the grace period ended: what it started and left running goes with it.
      if (tree.length > 0 && !signalsSent.includes('SIGKILL')) signalAll(tree, 'SIGKILL');
      const session = parseSession(readFileSync(options.streamPath, 'utf8'));
      resolve({ exitCode, signal, timedOut, stopped, signalsSent, stderr, session });
    });
  });
}
