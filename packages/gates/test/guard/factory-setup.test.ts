import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { agentSessionMarkers } from '@factory/gates/install/agent-session';
import { isolatedGitEnv, makeTempRepo, type TempRepo } from '@factory/testkit';

/** The agent taking factory down through factory's own bin (issue #11), and what it may run of it. */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
});
after(() => repo.cleanup());

function verdict(command: string) {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('factory-setup', () => {
  it('refuses uninstalling factory and re-installing it weaker, by any spelling', () => {
    for (const command of [
      'factory uninstall',
      'factory uninstall --yes --remove-state',
      'npx factory uninstall',
      './node_modules/.bin/factory uninstall',
      'factory --cwd . uninstall',
      'factory init --force --yes',
      'factory init --personal --yes',
      'npx factory init --team -y',
      'cd src; factory init --force',
      'FOO=1 factory uninstall',
      'bash -c "factory uninstall"',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.equal(result.rule, 'factory-setup', command);
    }
  });

  it('passes what changes nothing and a plain re-install', () => {
    for (const command of [
      'factory init --yes',
      'factory init --dry-run --force',
      'factory uninstall --dry-run',
      'factory uninstall --help',
      'factory doctor',
      'factory status',
      'factory guard explain "git push"',
      'factory gate pre-commit',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'allow', `${command}: ${result.reason}`);
    }
  });
});

describe('agent sessions in tests', () => {
  it('the test kit leaves out every variable by which factory knows an agent session', () => {
    const saved = agentSessionMarkers.map((name) => [name, process.env[name]] as const);
    try {
      for (const name of agentSessionMarkers) process.env[name] = '1';
      const env = isolatedGitEnv('/nowhere');
      assert.deepEqual(
        agentSessionMarkers.filter((name) => env[name] !== undefined),
        [],
      );
    } finally {
      for (const [name, value] of saved)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});
