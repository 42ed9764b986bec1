import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * cc-safety-net's own test commands (fixtures/cc-safety-net, see its README) through our guard, in a
 * repository on a feature branch with the default config. The floors are the agreement reached when this
 * test was written; docs/guard.md lists every remaining disagreement and why. A change that loses
 * agreement fails here.
 */

interface Case {
  readonly command: string;
  readonly ccSafetyNet: 'deny' | 'allow';
}

const cases: Case[] = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'cc-safety-net', 'cases.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Case);

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
});
after(() => repo.cleanup());

function refused(command: string): boolean {
  const verdict = decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  );
  return verdict.decision !== 'allow';
}

describe("cc-safety-net's test suite through the guard", () => {
  it('refuses what cc-safety-net refuses, but for the documented disagreements', () => {
    const denied = cases.filter((entry) => entry.ccSafetyNet === 'deny');
    const missed = denied.filter((entry) => !refused(entry.command)).map((entry) => entry.command);
    const agreed = denied.length - missed.length;
    assert.ok(denied.length >= 370, `${denied.length} refused cases in the fixture`);
    assert.ok(agreed >= 359, `refused ${agreed}/${denied.length}; not refused:\n${missed.join('\n')}`);
  });

  it('passes what cc-safety-net passes, but for the documented disagreements', () => {
    const allowed = cases.filter((entry) => entry.ccSafetyNet === 'allow');
    const refusedByUs = allowed.filter((entry) => refused(entry.command)).map((entry) => entry.command);
    const agreed = allowed.length - refusedByUs.length;
    assert.ok(agreed >= 154, `passed ${agreed}/${allowed.length}; refused:\n${refusedByUs.join('\n')}`);
  });
});
