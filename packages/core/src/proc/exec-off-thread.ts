import { Worker } from 'node:worker_threads';

/**
 * execFile run from a helper thread. Node's spawn blocks its calling thread until the child has exec'd
 * (libuv waits to report a missing executable synchronously): measured here at about 3 ms per process on a
 * loaded 2-CPU machine, so a sweep's 500 git processes held the main thread for 1.5 s and concurrency
 * bought nothing. From one helper thread the main thread keeps parsing results while children start.
 */

export interface OffThreadOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly maxBuffer?: number;
  /** Aborting kills the child (SIGTERM), as execFile's own signal option does. */
  readonly signal?: AbortSignal;
  /**
   * Starts the child in its own process group, and a time-out or an abort kills the whole group
   * (SIGKILL): what the child started goes too (git's hooks and their children), not only the child.
   */
  readonly killProcessGroup?: boolean;
}

export interface OffThreadResult {
  /** The exit code; null when the child was killed or could not start. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** execFile's error, when there was one: its code (a number, or a string such as ENOENT) and message. */
  readonly error?: { readonly code: number | string | null; readonly message: string };
}

// CommonJS, evaluated in the worker: only node:child_process, nothing of ours to resolve or load.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { execFile, spawn } = require('node:child_process');
const children = new Map();
const reply = (id, stdout, stderr, error) => {
  children.delete(id);
  parentPort.postMessage({
    id,
    stdout: String(stdout ?? ''),
    stderr: String(stderr ?? ''),
    error: error ? { code: error.code ?? null, message: String(error.message) } : undefined,
  });
};
// execFile cannot start a process group (it drops spawn's detached option): spawn, with execFile's
// time-out, output limit and result shape.
function runGroup(m) {
  const { timeout, maxBuffer, ...options } = m.options;
  const child = spawn(m.file, m.args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopped;
  const stop = (why) => {
    stopped ??= why;
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
  };
  const keep = (name) => (chunk) => {
    if (name === 'stdout') stdout += chunk; else stderr += chunk;
    if (stdout.length + stderr.length > maxBuffer) stop('maxBuffer exceeded');
  };
  child.stdout.setEncoding('utf8').on('data', keep('stdout'));
  child.stderr.setEncoding('utf8').on('data', keep('stderr'));
  const timer = timeout > 0 ? setTimeout(() => stop('timed out'), timeout) : undefined;
  let failed;
  child.on('error', (error) => { failed = error; });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (failed) return reply(m.id, stdout, stderr, failed);
    if (code === 0 && !stopped) return reply(m.id, stdout, stderr, undefined);
    const reason = stopped ?? (signal ? 'killed by ' + signal : 'exited with ' + code);
    reply(m.id, stdout, stderr, { code: code ?? null, message: 'Command failed: ' + m.file + ' (' + reason + ')\\n' + stderr });
  });
  children.set(m.id, () => stop('aborted'));
}
parentPort.on('message', (m) => {
  if (m.kill !== undefined) { children.get(m.kill)?.(); return; }
  if (m.group) {
    try { runGroup(m); } catch (error) { reply(m.id, '', '', error); }
    return;
  }
  let child;
  try {
    child = execFile(m.file, m.args, { ...m.options, encoding: 'utf8' }, (error, stdout, stderr) =>
      reply(m.id, stdout, stderr, error));
  } catch (error) {
    reply(m.id, '', '', error);
    return;
  }
  children.set(m.id, () => child.kill());
});
`;

interface Pending {
  resolve(result: OffThreadResult): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

function helper(): Worker {
  if (worker) return worker;
  const created = new Worker(workerSource, { eval: true });
  created.unref(); // referenced only while a child runs (below): it never keeps the process alive
  created.on('message', (message: Omit<OffThreadResult, 'code'> & { id: number }) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    if (pending.size === 0) created.unref();
    const { error, stdout, stderr } = message;
    const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
    entry.resolve({ code, stdout, stderr, ...(error ? { error } : {}) });
  });
  const fail = (error: Error) => {
    if (worker === created) worker = undefined;
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  created.on('error', fail);
  created.on('exit', (code) => fail(new Error(`the process helper thread exited (${code})`)));
  worker = created;
  return created;
}

export function execFileOffThread(
  file: string,
  args: readonly string[],
  options: OffThreadOptions,
): Promise<OffThreadResult> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) {
      resolve({ code: null, stdout: '', stderr: '', error: { code: 'ABORT_ERR', message: 'aborted' } });
      return;
    }
    const thread = helper();
    const id = nextId++;
    const onAbort = () => thread.postMessage({ kill: id });
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, {
      resolve: (result) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      },
      reject: (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    });
    thread.ref();
    thread.postMessage({
      id,
      group: options.killProcessGroup === true,
      file,
      args: [...args],
      options: {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 0,
        maxBuffer: options.maxBuffer ?? 16 * 1024 * 1024,
      },
    });
  });
}
