import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { parseSession } from '../transcript/parse.js';
import type { ParsedSession } from '../transcript/session.js';
import { checkExpectations, type ShellCheckRunner } from './match.js';
import { type Attempt, type ScenarioOutcome, scoreScenario, skippedScenario } from './outcome.js';
import type { LoadedScenario } from './scenario.js';

/** What one attempt of a lane produced: the session, and a way to run shell checks in its workspace. */
export interface ProducedSession {
  readonly session: ParsedSession;
  readonly shell?: ShellCheckRunner;
  readonly costUsd?: number;
  readonly durationMs: number;
  /** Raw bodies of the requests the model received (scripted lane). */
  readonly modelRequests?: readonly string[];
  /** Frees the attempt's workspace once its checks ran. */
  cleanup?(): void;
}

/** A lane: produces one session for one attempt of a scenario, or says why it cannot run it. */
export interface Lane {
  readonly name: 'recorded' | 'scripted' | 'live';
  /** undefined when the lane can run the scenario, else why it is skipped. */
  skipReason(loaded: LoadedScenario): string | undefined;
  /** How many attempts the scenario gets in this lane. */
  attempts(loaded: LoadedScenario): number;
  produce(loaded: LoadedScenario, attempt: number): Promise<ProducedSession>;
}

export interface RunOptions {
  /** Stop starting attempts once the sessions reported this much cost in total (USD). */
  readonly maxCostUsd?: number;
  readonly onOutcome?: (outcome: ScenarioOutcome) => void;
  /** Scenarios run at the same time (attempts of one scenario always run one after the other). */
  readonly concurrency?: number;
}

/** Runs every scenario through a lane and scores each one; outcomes come back in the scenarios' order. */
export async function runScenarios(
  scenarios: readonly LoadedScenario[],
  lane: Lane,
  options: RunOptions = {},
): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = new Array(scenarios.length);
  let spent = 0;
  let next = 0;
  const runOne = async (loaded: LoadedScenario): Promise<ScenarioOutcome> => {
    const skip = lane.skipReason(loaded);
    if (skip) return skippedScenario(loaded, skip);
    const attempts: Attempt[] = [];
    const n = lane.attempts(loaded);
    for (let i = 0; i < n; i++) {
      // The budget is checked before each attempt starts: a running session is never cut short.
      if (options.maxCostUsd !== undefined && spent >= options.maxCostUsd) {
        attempts.push({
          verdicts: [],
          durationMs: 0,
          error: messages.evalCostExceeded(spent, options.maxCostUsd),
        });
        break;
      }
      const result = await attempt(loaded, lane, i);
      spent += result.costUsd ?? 0;
      attempts.push(result);
    }
    return scoreScenario(loaded, attempts);
  };
  // Scenarios are independent (each attempt has its own workspace and model server): a small pool.
  const worker = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const outcome = await runOne(scenarios[index]!);
      outcomes[index] = outcome;
      options.onOutcome?.(outcome);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, scenarios.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

async function attempt(loaded: LoadedScenario, lane: Lane, index: number): Promise<Attempt> {
  const started = performance.now();
  let produced: ProducedSession | undefined;
  try {
    produced = await lane.produce(loaded, index);
    const verdicts = checkExpectations(
      loaded.scenario.expect,
      produced.session,
      produced.shell,
      produced.modelRequests,
    );
    const limit = loaded.scenario.limits?.maxTurns;
    const subtype = produced.session.result?.subtype;
    // A session Claude Code stopped (turn limit, budget, an error) did not finish its task.
    const overTurns =
      limit !== undefined && produced.session.turns > limit
        ? `the session took ${produced.session.turns} turns, over the limit of ${limit}`
        : subtype?.startsWith('error')
          ? `Claude Code ended the session with ${subtype}${subtype === 'error_max_turns' && limit !== undefined ? ` (limit ${limit} turns)` : ''}`
          : undefined;
    const version = produced.session.claudeCodeVersion;
    return {
      verdicts,
      durationMs: produced.durationMs,
      ...(version ? { claudeCodeVersion: version } : {}),
      ...(produced.costUsd !== undefined ? { costUsd: produced.costUsd } : {}),
      ...(overTurns ? { error: overTurns } : {}),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { verdicts: [], durationMs: performance.now() - started, error: reason };
  } finally {
    produced?.cleanup?.();
  }
}

/**
 * A session file, or the newest `*.jsonl` in a folder (e.g. `~/.claude/projects/<project>/`, where
 * Claude Code keeps one transcript per session).
 */
export function resolveSessionFile(path: string): string {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FactoryError(messages.transcriptUnreadable(path, code), ExitCode.usage);
  }
  if (!stats.isDirectory()) return path;
  const newest = readdirSync(path)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => ({ file: join(path, name), mtime: statSync(join(path, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)[0];
  if (!newest) throw new FactoryError(messages.transcriptEmpty(path), ExitCode.usage);
  return newest.file;
}

/** Reads a recorded session file; refuses a file that holds no session at all. */
export function readSessionFile(path: string): ParsedSession {
  const file = resolveSessionFile(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new FactoryError(messages.transcriptUnreadable(file, code), ExitCode.usage);
  }
  const session = parseSession(text);
  if (session.lineCount === 0 || session.lineCount === session.malformedLines) {
    throw new FactoryError(messages.transcriptEmpty(file), ExitCode.usage);
  }
  return session;
}

/** The recorded lane: checks every scenario against one recorded session (no workspace, one attempt). */
export function recordedLane(file: string): Lane {
  const session = readSessionFile(file);
  return {
    name: 'recorded',
    skipReason: () => undefined,
    attempts: () => 1,
    produce: async () => ({ session, durationMs: 0 }),
  };
}
