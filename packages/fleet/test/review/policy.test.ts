import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_REVIEW_POLICY, evaluatePolicy, resolveReviewPolicy } from '../../src/review/policy.js';
import type { PullSnapshot, ReviewPolicy } from '../../src/review/types.js';

const head = 'a'.repeat(40);
const green: PullSnapshot = {
  forge: 'github',
  repo: 'acme/app',
  number: 7,
  title: 'bump lodash',
  url: 'http://forge/acme/app/pull/7',
  author: 'dependabot[bot]',
  state: 'open',
  draft: false,
  headSha: head,
  baseRef: 'main',
  labels: ['dependencies'],
  changedFiles: ['package.json', 'package-lock.json'],
  filesListed: 2,
  filesTotal: 2,
  unmeasuredFiles: [],
  additions: 10,
  deletions: 4,
  mergeable: true,
  upToDate: true,
  checks: [
    { name: 'ci', state: 'success', sha: head, source: 'check-run' },
    { name: 'lint', state: 'success', sha: head, source: 'status' },
  ],
  approvals: 0,
};
const policy: ReviewPolicy = resolveReviewPolicy({ authors: ['dependabot[bot]'] });

function failed(pull: PullSnapshot, p: ReviewPolicy = policy) {
  const decision = evaluatePolicy(pull, p);
  return { verdict: decision.verdict, failed: decision.reasons.filter((r) => !r.ok).map((r) => r.rule) };
}

describe('merge policy', () => {
  it('merges a green, small, allowed pull request and reports every rule it checked', () => {
    const decision = evaluatePolicy(green, policy);
    assert.equal(decision.verdict, 'merge');
    assert.equal(decision.headSha, head);
    assert.ok(decision.reasons.every((r) => r.ok));
    assert.deepEqual(
      decision.reasons.map((r) => r.rule),
      [
        'open',
        'draft',
        'labels',
        'checks-exist',
        'no-failing-checks',
        'no-pending-checks',
        'author',
        'size',
        'files-listed',
        'protected-paths',
        'approvals',
        'mergeable',
        'up-to-date',
      ],
    );
  });

  it('refuses when no checks exist, or when checks ran only on another commit', () => {
    assert.deepEqual(failed({ ...green, checks: [] }), { verdict: 'blocked', failed: ['checks-exist'] });
    const old = green.checks.map((c) => ({ ...c, sha: 'b'.repeat(40) }));
    assert.deepEqual(failed({ ...green, checks: old }), { verdict: 'blocked', failed: ['checks-exist'] });
  });

  it('named required checks must be reported and green on the head commit', () => {
    const named = resolveReviewPolicy({ authors: ['*'], requiredChecks: ['ci', 'e2e'] });
    assert.deepEqual(failed(green, named), { verdict: 'wait', failed: ['required-checks'] });
    const e2eFails = [
      ...green.checks,
      { name: 'e2e', state: 'failure', sha: head, source: 'check-run' } as const,
    ];
    assert.deepEqual(failed({ ...green, checks: e2eFails }, named), {
      verdict: 'blocked',
      failed: ['required-checks', 'no-failing-checks'],
    });
    const e2eGreen = [
      ...green.checks,
      { name: 'e2e', state: 'success', sha: head, source: 'check-run' } as const,
    ];
    assert.equal(evaluatePolicy({ ...green, checks: e2eGreen }, named).verdict, 'merge');
  });

  it('a failing or pending check that is not required still stops the merge', () => {
    const named = resolveReviewPolicy({ authors: ['*'], requiredChecks: ['ci'] });
    const lintFails = [green.checks[0]!, { ...green.checks[1]!, state: 'failure' } as const];
    assert.equal(failed({ ...green, checks: lintFails }, named).verdict, 'blocked');
    const lintRuns = [green.checks[0]!, { ...green.checks[1]!, state: 'pending' } as const];
    assert.deepEqual(failed({ ...green, checks: lintRuns }, named), {
      verdict: 'wait',
      failed: ['no-pending-checks'],
    });
  });

  it('the latest report of a re-run check counts', () => {
    const rerun = [
      { name: 'ci', state: 'failure', sha: head, source: 'check-run' } as const,
      { name: 'ci', state: 'success', sha: head, source: 'check-run' } as const,
    ];
    assert.equal(evaluatePolicy({ ...green, checks: rerun }, policy).verdict, 'merge');
  });

  it('drafts, blocking labels, conflicts and a stale base are blocked', () => {
    assert.deepEqual(failed({ ...green, draft: true }), { verdict: 'blocked', failed: ['draft'] });
    assert.deepEqual(failed({ ...green, labels: ['WIP'] }), { verdict: 'blocked', failed: ['labels'] });
    assert.deepEqual(failed({ ...green, mergeable: false }), { verdict: 'blocked', failed: ['mergeable'] });
    assert.deepEqual(failed({ ...green, upToDate: false }), { verdict: 'blocked', failed: ['up-to-date'] });
    assert.equal(
      evaluatePolicy({ ...green, upToDate: false }, { ...policy, requireUpToDate: false }).verdict,
      'merge',
    );
  });

  it('unknown mergeability waits instead of merging', () => {
    assert.deepEqual(failed({ ...green, mergeable: undefined }), { verdict: 'wait', failed: ['mergeable'] });
    assert.deepEqual(failed({ ...green, upToDate: undefined }), { verdict: 'wait', failed: ['up-to-date'] });
  });

  it('authors outside the allow-list, large changes and missing approvals wait for a human', () => {
    assert.deepEqual(failed({ ...green, author: 'mallory' }), { verdict: 'human', failed: ['author'] });
    assert.deepEqual(failed(green, DEFAULT_REVIEW_POLICY).verdict, 'human', 'the default allows no author');
    assert.deepEqual(failed({ ...green, additions: 400, deletions: 1 }), {
      verdict: 'human',
      failed: ['size'],
    });
    assert.deepEqual(failed(green, { ...policy, requiredApprovals: 1 }), {
      verdict: 'human',
      failed: ['approvals'],
    });
  });

  it('changes to gates, guard, hooks or factory config always wait for a human, whatever the config adds', () => {
    for (const file of [
      '.husky/pre-commit',
      '.claude/settings.json',
      'factory.config.json',
      '.github/workflows/ci.yml',
    ]) {
      assert.deepEqual(failed({ ...green, changedFiles: ['src/a.ts', file] }), {
        verdict: 'human',
        failed: ['protected-paths'],
      });
    }
    const extra = resolveReviewPolicy({ authors: ['*'], protectedPaths: ['infra/**'] });
    assert.equal(failed({ ...green, changedFiles: ['infra/main.tf'] }, extra).verdict, 'human');
    assert.equal(failed({ ...green, changedFiles: ['.husky/pre-push'] }, extra).verdict, 'human');
  });

  it('protected paths match whatever their case (case-insensitive checkouts)', () => {
    assert.equal(failed({ ...green, changedFiles: ['.HUSKY/pre-commit'] }).verdict, 'human');
  });

  it('a change the size rule cannot measure, or a file list cut short, waits for a human', () => {
    assert.deepEqual(failed({ ...green, unmeasuredFiles: ['src/renamed.ts'] }), {
      verdict: 'human',
      failed: ['size'],
    });
    assert.deepEqual(failed({ ...green, filesListed: 3000, filesTotal: 3001 }), {
      verdict: 'human',
      failed: ['files-listed'],
    });
    assert.deepEqual(failed({ ...green, filesTotal: undefined }), {
      verdict: 'human',
      failed: ['files-listed'],
    });
  });

  it('the most severe verdict wins and every failing reason is kept', () => {
    const bad = { ...green, draft: true, author: 'mallory', checks: [] };
    assert.deepEqual(failed(bad), { verdict: 'blocked', failed: ['draft', 'checks-exist', 'author'] });
  });
});
