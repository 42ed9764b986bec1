import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreScenario } from '@factory/agent/eval/outcome';
import { formatJunit, formatTable } from '@factory/agent/eval/report';
import { passAtK } from '@factory/agent/eval/score';

const loaded = {
  file: '/e/x.yaml',
  scenario: { name: 'x', prompt: 'p', expect: [{ noRefusals: true as const }], threshold: 0.6 },
};
const pass = { verdicts: [{ expectation: 'no refusals', status: 'passed' as const }], durationMs: 10 };
const fail = {
  verdicts: [{ expectation: 'no refusals', status: 'failed' as const, detail: 'refused <x>' }],
  durationMs: 10,
};

describe('scoring N runs', () => {
  it('pass@k is the unbiased estimator', () => {
    assert.equal(passAtK(5, 0, 1), 0);
    assert.equal(passAtK(5, 5, 1), 1);
    assert.equal(passAtK(5, 2, 1), 0.4);
    assert.ok(Math.abs(passAtK(5, 2, 2) - 0.7) < 1e-9);
    assert.equal(passAtK(5, 1, 5), 1);
  });

  it('pass rate against the threshold decides; failures are listed per run', () => {
    const ok = scoreScenario(loaded, [pass, fail, pass]);
    assert.equal(ok.status, 'passed');
    assert.equal(ok.passes, 2);
    assert.equal(ok.k, 3);
    const bad = scoreScenario(loaded, [pass, fail, { verdicts: [], durationMs: 1, error: 'claude crashed' }]);
    assert.equal(bad.status, 'failed');
    assert.deepEqual(bad.failures, ['run 2: no refusals (refused <x>)', 'run 3: claude crashed']);
  });

  it('reports as a table and as JUnit XML (escaped)', () => {
    const outcomes = [scoreScenario(loaded, [fail])];
    assert.match(
      formatTable(outcomes, 'recorded'),
      /FAIL\s+x\s+0\/1[\s\S]*x: no refusals \(refused <x>\)[\s\S]*recorded lane: 0 passed, 1 failed/,
    );
    const xml = formatJunit(outcomes, 'recorded');
    assert.match(xml, /<testcase classname="factory\.eval\.recorded" name="x"/);
    assert.match(
      xml,
      /<failure message="0\/1 runs passed[^"]*">no refusals \(refused &lt;x&gt;\)<\/failure>/,
    );
  });
});
