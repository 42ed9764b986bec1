import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Lane, runScenarios } from '@factory/agent/eval/run';
import type { LoadedScenario } from '@factory/agent/eval/scenario';
import { parseSession } from '@factory/agent/transcript/parse';

/** A session as stream-json lines: one Bash call, then a result line. */
function session(subtype: string, turns: number, cost: number) {
  return parseSession(
    [
      { type: 'system', subtype: 'init', session_id: 's', claude_code_version: '9.9.9' },
      {
        type: 'assistant',
        session_id: 's',
        message: {
          id: 'm',
          content: [{ type: 'tool_use', id: 't', name: 'Bash', input: { command: 'ls' } }],
        },
      },
      {
        type: 'result',
        session_id: 's',
        subtype,
        is_error: subtype !== 'success',
        num_turns: turns,
        total_cost_usd: cost,
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n'),
  );
}

const scenario = (name: string, extra: Partial<LoadedScenario['scenario']> = {}): LoadedScenario => ({
  file: `/e/${name}.yaml`,
  scenario: { name, prompt: 'p', expect: [{ toolCall: { tool: 'Bash' } }], ...extra },
});

/** A lane that replays prepared sessions, one per attempt, after a delay (to interleave scenarios). */
function replayLane(
  sessions: Record<string, Array<ReturnType<typeof session>>>,
  delays: Record<string, number> = {},
): Lane & { started: string[] } {
  const started: string[] = [];
  return {
    name: 'live',
    started,
    skipReason: () => undefined,
    attempts: (loaded) => loaded.scenario.runs ?? 1,
    produce: async (loaded, attempt) => {
      started.push(`${loaded.scenario.name}#${attempt + 1}`);
      await new Promise((r) => setTimeout(r, delays[loaded.scenario.name] ?? 0));
      const s = sessions[loaded.scenario.name]![attempt]!;
      return {
        session: s,
        durationMs: 1,
        ...(s.result?.costUsd !== undefined ? { costUsd: s.result.costUsd } : {}),
      };
    },
  };
}

describe('runScenarios', () => {
  it('a session Claude Code stopped at its turn limit fails the attempt, whatever its tool calls', async () => {
    const [outcome] = await runScenarios(
      [scenario('limited', { runs: 2, threshold: 0.5 })],
      replayLane({ limited: [session('success', 2, 0), session('error_max_turns', 3, 0)] }),
    );
    assert.deepEqual([outcome?.status, outcome?.passes, outcome?.attempts], ['passed', 1, 2]);
    assert.deepEqual(outcome?.failures, ['run 2: Claude Code ended the session with error_max_turns']);
    assert.equal(outcome?.attemptsDetail[0]?.claudeCodeVersion, '9.9.9');
  });

  it('stops starting attempts once the cost limit is spent', async () => {
    const lane = replayLane({
      costly: [session('success', 1, 0.3), session('success', 1, 0.3), session('success', 1, 0.3)],
    });
    const [outcome] = await runScenarios([scenario('costly', { runs: 3 })], lane, { maxCostUsd: 0.5 });
    assert.deepEqual(lane.started, ['costly#1', 'costly#2']);
    assert.equal(outcome?.attempts, 3);
    assert.match(outcome?.failures.at(-1) ?? '', /stopped after spending \$0\.6000 \(limit \$0\.5000\)/);
    assert.ok(Math.abs((outcome?.costUsd ?? 0) - 0.6) < 1e-9);
  });

  it('runs scenarios concurrently and reports them in their order', async () => {
    const lane = replayLane(
      {
        slow: [session('success', 1, 0)],
        fast: [session('success', 1, 0)],
        third: [session('success', 1, 0)],
      },
      { slow: 60 },
    );
    const seen: string[] = [];
    const outcomes = await runScenarios([scenario('slow'), scenario('fast'), scenario('third')], lane, {
      concurrency: 2,
      onOutcome: (o) => seen.push(o.scenario),
    });
    assert.deepEqual(
      outcomes.map((o) => o.scenario),
      ['slow', 'fast', 'third'],
    );
    assert.deepEqual(seen, ['fast', 'third', 'slow']);
  });
});
