import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { startScriptedModelServer } from '@factory/agent/model-server/server';
import { claudeBin, factoryBin, makeTempRepo } from '@factory/testkit';

/** The factory bin, asynchronously: the model server in this process must keep answering meanwhile. */
function factoryAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [factoryBin, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('factory eval run --live', () => {
  it('runs the real claude -p N times in fresh copies, scores pass rate and pass@k, and stops at the cost limit', async () => {
    // The "live" model endpoint is the scripted server, reached through the user's ANTHROPIC_BASE_URL:
    // it plays one tool call for the first session only, so later sessions fail the expectation.
    const server = await startScriptedModelServer({
      script: {
        turns: [
          { toolCalls: [{ name: 'Bash', input: { command: 'git status --short', description: 'status' } }] },
        ],
      },
    });
    const repo = makeTempRepo();
    try {
      repo.write('fixture/README.md', '# fixture\n');
      const scenario = repo.write(
        'live.yaml',
        [
          'name: live-status',
          'prompt: What changed?',
          'setup: { fixture: fixture }',
          'expect:',
          '  - toolCall: { tool: Bash, input: { command: { contains: git status } } }',
          '  - shell: test -f README.md',
          'runs: 3',
          'threshold: 0.3',
          'limits: { maxTurns: 4, maxCostUsd: 0.5 }',
        ].join('\n'),
      );
      const env = {
        ...repo.env,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'live-lane-test',
        FACTORY_CLAUDE: claudeBin,
      };
      const run = await factoryAsync(
        ['eval', 'run', scenario, '--live', '--max-cost', '0.0005', '--json'],
        repo.dir,
        env,
      );
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const [outcome] = JSON.parse(run.stdout).scenarios;
      assert.equal(outcome.status, 'passed');
      assert.equal(outcome.passes, 1);
      assert.equal(outcome.passAtK, 1);
      assert.ok(outcome.passRate < 1);
      assert.ok(outcome.costUsd > 0);
      // The third session never started: the run had spent its budget.
      assert.match(outcome.failures.at(-1), /stopped after spending \$0\.\d+ \(limit \$0\.0005\)/);
      const real = outcome.attemptsDetail.filter((a: { error?: string }) => a.error === undefined);
      assert.ok(real.length >= 1 && real.length <= 2, JSON.stringify(outcome.attemptsDetail));
      assert.equal(outcome.attempts, real.length + 1);
      // Every real session ran its shell check in its own fresh copy of the fixture.
      for (const attempt of real)
        assert.equal(
          attempt.verdicts.find((v: { expectation: string }) => v.expectation.startsWith('shell'))?.status,
          'passed',
        );
    } finally {
      await server.close();
      repo.cleanup();
    }
  });
});
