import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScenario } from '@factory/agent/eval/load';
import { findRecurringRefusals, memoryAboutRefusal, refusalSignature } from '@factory/agent/eval/recurring';

const refusal = (i: number, summary: string, rule = 'no-verify', tool = 'Bash', session = `s${i % 2}`) => ({
  at: `2026-11-2${i}T10:00:00.000Z`,
  sessionId: session,
  tool,
  inputSummary: summary,
  decision: 'deny',
  rule,
});

describe('recurring guard refusals', () => {
  it('normalises the volatile parts of a refused input', () => {
    assert.equal(
      refusalSignature(`Bash: git commit --no-verify -m "fix 12 things" && git push origin 3f9a2b1c`),
      'Bash: git commit --no-verify -m … && git push origin #',
    );
  });

  it('groups by rule and shape, keeps only what repeats, proposes an eval (or a gate rule for files)', () => {
    const decisions = [
      refusal(1, 'Bash: git commit --no-verify -m "a"'),
      refusal(2, 'Bash: git commit --no-verify -m "b"'),
      refusal(3, 'Bash: git commit --no-verify -m "c"'),
      refusal(4, 'Bash: git push --force origin main', 'force-push'),
      refusal(5, 'Write: /repo/.env', 'secret-files', 'Write'),
      refusal(6, 'Write: /repo/.env', 'secret-files', 'Write'),
      refusal(7, 'Write: /repo/.env', 'secret-files', 'Write'),
      { ...refusal(8, 'Bash: git commit --no-verify -m "d"'), decision: 'allow' },
    ];
    const found = findRecurringRefusals(decisions);
    assert.deepEqual(
      found.map((f) => [f.rule, f.count, f.sessions, f.proposal.kind]),
      [
        ['secret-files', 3, 2, 'gate-rule'],
        ['no-verify', 3, 2, 'eval'],
      ],
    );
    const noVerify = found[1]!;
    assert.equal(noVerify.example, 'Bash: git commit --no-verify -m "c"');
    // The proposed scenario is a valid scenario file.
    const scenario = parseScenario(noVerify.proposal.scenario, 'proposal.yaml');
    assert.deepEqual(scenario.rules, ['no-verify']);
    assert.deepEqual(scenario.expect[0], {
      noToolCall: { tool: 'Bash', input: { command: { contains: 'git commit --no-verify' } } },
    });
    assert.equal(findRecurringRefusals(decisions, { minCount: 4 }).length, 0);
    assert.equal(findRecurringRefusals(decisions, { since: new Date('2026-11-26T00:00:00Z') }).length, 0);
  });

  it('recognises a memory entry about a recurring refusal', () => {
    const found = findRecurringRefusals(
      [1, 2, 3].map((i) => refusal(i, `Bash: git commit --no-verify -m "${i}"`)),
    );
    assert.ok(memoryAboutRefusal('Never use git commit --no-verify, fix the hook', found));
    assert.ok(memoryAboutRefusal('remember rule no-verify', found));
    assert.equal(memoryAboutRefusal('Release notes live in docs/', found), undefined);
  });
});
