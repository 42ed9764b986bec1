import { Worker } from 'node:worker_threads';
import type { DriftProvider, FactoryDriftOptions } from './drift.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A DriftProvider that runs the checks and fixes in `size` worker threads, each repository's request on
 * the least busy worker. A request whose repository timed out is abandoned (its signal rejects it); the
 * worker finishes it and moves on. `close()` ends the workers.
 */
export function driftPool(
  size: number,
  options: FactoryDriftOptions,
): DriftProvider & { close(): Promise<void> } {
  const url = new URL('./drift-worker.js', import.meta.url);
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(url, { workerData: options });
    const pending = new Map<number, Pending>();
    worker.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (!entry) return;
      if (message.ok) entry.resolve(message.result);
      else entry.reject(new Error(message.error));
    });
    worker.on('error', (error) => {
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    });
    return { worker, pending };
  });
  let nextId = 0;
  const call = <T>(op: 'check' | 'fix', repoPath: string, signal: AbortSignal): Promise<T> => {
    const target = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        target.pending.delete(id);
        reject(new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      target.pending.set(id, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      target.worker.postMessage({ id, op, repoPath });
    });
  };
  return {
    check: (repoPath, signal) => call('check', repoPath, signal),
    fix: (repoPath, signal) => call('fix', repoPath, signal),
    close: async () => {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}
