import { ExitCode, FactoryError } from '@factory/core';
import { messages } from '../messages.js';
import { ForgeTimeoutError } from './types.js';

export interface PacerOptions {
  /** Least time between two modifying calls (POST, PUT, PATCH, DELETE). GitHub asks for about 1 s. */
  readonly writeSpacingMs: number;
  /** How many times a rate-limited request is tried again. */
  readonly maxRetries: number;
  /** The longest wait a Retry-After may ask for before we give up with a clear error. */
  readonly maxWaitMs: number;
  /** How long one request may take, answer included, before it is abandoned (a forge that never answers). */
  readonly requestTimeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_PACER: PacerOptions = {
  writeSpacingMs: 1000,
  maxRetries: 3,
  maxWaitMs: 120_000,
  requestTimeoutMs: 30_000,
};

/**
 * Pacer settings from the environment: FACTORY_FORGE_WRITE_SPACING_MS, FACTORY_FORGE_MAX_WAIT_MS,
 * FACTORY_FORGE_TIMEOUT_MS.
 */
export function pacerOptionsFromEnv(env: NodeJS.ProcessEnv): PacerOptions {
  const number = (value: string | undefined, fallback: number) => {
    const n = value === undefined || value === '' ? Number.NaN : Number(value);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    writeSpacingMs: number(env.FACTORY_FORGE_WRITE_SPACING_MS, DEFAULT_PACER.writeSpacingMs),
    maxRetries: DEFAULT_PACER.maxRetries,
    maxWaitMs: number(env.FACTORY_FORGE_MAX_WAIT_MS, DEFAULT_PACER.maxWaitMs),
    requestTimeoutMs:
      number(env.FACTORY_FORGE_TIMEOUT_MS, DEFAULT_PACER.requestTimeoutMs) || DEFAULT_PACER.requestTimeoutMs,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isModifying(method: string | undefined): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes((method ?? 'GET').toUpperCase());
}

/**
 * Keeps one forge's calls polite: modifying calls at least `writeSpacingMs` apart (serialised across
 * every repository of a run, since they share the token's limits), and the waits that 429s and
 * secondary limits ask for. One pacer per forge host and process.
 */
export class RequestPacer {
  private lastWrite = 0;
  private queue: Promise<void> = Promise.resolve();
  readonly options: PacerOptions;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: Partial<PacerOptions> = {}) {
    this.options = { ...DEFAULT_PACER, ...options };
    this.sleep = this.options.sleep ?? sleep;
  }

  /**
   * Runs one modifying call: one at a time, and only once `writeSpacingMs` has passed since the previous
   * one finished. Counting from the end, not the start, keeps the gap the forge sees at least that long
   * however slow a request is.
   */
  write<T>(call: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(async () => {
      const wait = this.lastWrite + this.options.writeSpacingMs - Date.now();
      if (wait > 0) await this.sleep(wait);
      try {
        return await call();
      } finally {
        this.lastWrite = Date.now();
      }
    });
    this.queue = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }

  /**
   * How long a refused request asks us to wait, or undefined when it was not a rate limit:
   * 429, or 403 with GitHub's secondary-limit message or an exhausted primary limit.
   */
  rateLimitWaitMs(
    status: number,
    headers: Record<string, string | undefined>,
    message: string,
  ): number | undefined {
    const limited =
      status === 429 ||
      (status === 403 &&
        (/secondary rate limit|abuse/i.test(message) || headers['x-ratelimit-remaining'] === '0'));
    if (!limited) return undefined;
    const retryAfter = headers['retry-after'];
    if (retryAfter !== undefined) {
      const seconds = Number(retryAfter);
      if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
      const date = Date.parse(retryAfter);
      if (Number.isFinite(date)) return Math.max(0, date - Date.now());
    }
    const reset = Number(headers['x-ratelimit-reset']);
    if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
      return Math.max(0, reset * 1000 - Date.now());
    }
    // GitHub: without a Retry-After, wait at least one minute before a secondary limit is retried.
    return 60_000;
  }

  /**
   * Runs one request attempt with its own time limit: `send` gets a signal that aborts when the limit
   * passes (or when `outer` aborts). A time-out becomes one ForgeTimeoutError, never a retry: a forge that
   * does not answer once is not asked again and again while the user waits.
   */
  async withTimeout<T>(
    forge: string,
    outer: AbortSignal | undefined,
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const limit = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal = outer ? AbortSignal.any([outer, limit]) : limit;
    try {
      return await send(signal);
    } catch (error) {
      if (limit.aborted) throw new ForgeTimeoutError(forge, this.options.requestTimeoutMs);
      throw error;
    }
  }

  /** Waits out a rate limit, or refuses clearly when the forge asks for longer than we accept. */
  async waitOut(forge: string, ms: number): Promise<void> {
    if (ms > this.options.maxWaitMs) {
      throw new FactoryError(messages.forgeRateLimited(forge, Math.ceil(ms / 1000)), ExitCode.usage);
    }
    await this.sleep(ms);
  }
}
