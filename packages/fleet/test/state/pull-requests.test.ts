import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StateStore } from '@factory/core/state/store';
import { makeTempDir } from '@factory/testkit';
import { evaluatePolicy, resolveReviewPolicy } from '../../src/review/policy.js';
import type { PullSnapshot } from '../../src/review/types.js';
import { PullRequests } from '../../src/state/pull-requests.js';
import { greenPull } from '../review/green-pull.js';

const pull: PullSnapshot = greenPull({ title: 't', url: 'u' });
const policy = resolveReviewPolicy({ authors: ['*'] });
const key = { forge: 'github', repo: 'acme/app', number: 3 };

describe('pull request workflow state (migration slot 5)', () => {
  it('records decisions with reasons and moves the request by its verdict', () => {
    const tmp = makeTempDir();
    const store = StateStore.open({ path: join(tmp.dir, 'state.db') });
    try {
      const pulls = new PullRequests(store);
      assert.equal(pulls.recordDecision(pull, evaluatePolicy(pull, policy), 'dry-run').state, 'approved');
      const draft = { ...pull, draft: true };
      assert.equal(pulls.recordDecision(draft, evaluatePolicy(draft, policy), 'none').state, 'blocked');
      const decisions = pulls.decisions(key);
      assert.equal(decisions.length, 2);
      assert.equal(decisions[1]!.verdict, 'blocked');
      assert.ok(decisions[1]!.reasons.some((r) => r.rule === 'draft' && !r.ok));
    } finally {
      store.close();
      tmp.cleanup();
    }
  });

  it('only one of two stores racing on the same file enters merging; merged is final', () => {
    const tmp = makeTempDir();
    const file = join(tmp.dir, 'state.db');
    const a = StateStore.open({ path: file });
    const b = StateStore.open({ path: file });
    try {
      const pa = new PullRequests(a);
      const pb = new PullRequests(b);
      pa.recordDecision(pull, evaluatePolicy(pull, policy), 'none');
      assert.equal(pa.move(key, ['approved'], 'merging'), true);
      assert.equal(pb.move(key, ['approved'], 'merging'), false, 'the second reviewer is refused');
      // A decision recorded meanwhile does not pull a request out of merging.
      assert.equal(pb.recordDecision(pull, evaluatePolicy(pull, policy), 'none').state, 'merging');
      assert.equal(pa.move(key, ['merging'], 'merged', { mergedSha: 'd'.repeat(40) }), true);
      assert.equal(pb.recordDecision(pull, evaluatePolicy(pull, policy), 'none').state, 'merged');
      // merged is final: asking to move it anywhere is refused loudly.
      assert.throws(() => pb.move(key, ['merged'], 'approved'), /cannot move from merged to approved/);
      assert.equal(pb.get('github', 'acme/app', 3)!.mergedSha, 'd'.repeat(40));
    } finally {
      a.close();
      b.close();
      rmSync(tmp.dir, { recursive: true, force: true });
    }
  });
});
