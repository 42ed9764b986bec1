import { parentPort, workerData } from 'node:worker_threads';
import { type FactoryDriftOptions, factoryDriftProvider } from './drift.js';

/**
 * A drift worker: factory's installer answers "what would init change?" with synchronous git calls, which
 * would stall every other repository of the sweep on the main thread. Here they run off it, in parallel.
 */
interface Request {
  readonly id: number;
  readonly op: 'check' | 'fix';
  readonly repoPath: string;
}

const provider = factoryDriftProvider(workerData as FactoryDriftOptions);
const never = new AbortController().signal;

parentPort!.on('message', async (request: Request) => {
  try {
    const result =
      request.op === 'check'
        ? await provider.check(request.repoPath, never)
        : await provider.fix(request.repoPath, never);
    parentPort!.postMessage({ id: request.id, ok: true, result });
  } catch (error) {
    parentPort!.postMessage({
      id: request.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
