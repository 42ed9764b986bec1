import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareEvalRuns } from '@factory/agent/eval/compare';
import { type EvalResultRecord, listEvalRuns, recordEvalRun } from '@factory/agent/state/eval-runs';
import { StateStore } from '@factory/core';
import { addMemory, listMemory, markMemoryUsed, removeMemory } from '@factory/gates/state/memory';
import { makeTempDir } from '@factory/testkit';

function withStore(fn: (store: StateStore) => void) {
  const tmp = makeTempDir();
  const store = StateStore.open({ path: join(tmp.dir, '.factory', 'state.db') });
  try {
    fn(store);
  } finally {
    store.close();
    tmp.cleanup();
  }
}

const result = (
  scenario: string,
  status: 'passed' | 'failed',
  passRate = status === 'passed' ? 1 : 0,
): EvalResultRecord => ({
  scenario,
  file: `${scenario}.yaml`,
  status,
  attempts: 1,
  passes: status === 'passed' ? 1 : 0,
  passRate,
  threshold: 1,
  passAtK: passRate,
  k: 1,
  failures: status === 'failed' ? ['no refusals'] : [],
  durationMs: 5,
  costUsd: null,
});

describe('memory entries in state.db', () => {
  it('adds with normalised tags, lists, counts uses, removes; unknown ids exit 1', () => {
    withStore((store) => {
      const a = addMemory(store, {
        text: '  use uv  ',
        tags: ['#Python', 'python', 'UV'],
        paths: ['**/*.py'],
      });
      assert.deepEqual([a.text, a.tags, a.paths], ['use uv', ['python', 'uv'], ['**/*.py']]);
      addMemory(store, { text: 'second' });
      // Adding the same text again is the same entry, with the tags and paths merged.
      const again = addMemory(store, { text: 'use uv', tags: ['tooling'], paths: ['pyproject.toml'] });
      assert.equal(again.id, a.id);
      assert.deepEqual(
        [again.tags, again.paths],
        [
          ['python', 'uv', 'tooling'],
          ['**/*.py', 'pyproject.toml'],
        ],
      );
      markMemoryUsed(store, [a.id]);
      assert.deepEqual(
        listMemory(store).map((e) => [e.text, e.uses]),
        [
          ['use uv', 1],
          ['second', 0],
        ],
      );
      removeMemory(store, a.id);
      assert.throws(
        () => removeMemory(store, a.id),
        (e: { exitCode?: number }) => e.exitCode === 1,
      );
      assert.throws(() => addMemory(store, { text: '  ' }), /memory text is empty/);
    });
  });
});

describe('eval runs in state.db', () => {
  it('records runs and compares each scenario with its previous result', () => {
    withStore((store) => {
      recordEvalRun(store, {
        startedAt: 't1',
        finishedAt: 't1',
        lane: 'scripted',
        results: [result('a', 'passed'), result('b', 'failed'), result('c', 'passed')],
      });
      recordEvalRun(store, {
        startedAt: 't2',
        finishedAt: 't2',
        lane: 'scripted',
        results: [
          result('a', 'failed'),
          result('b', 'passed'),
          result('c', 'passed', 0.5),
          result('d', 'passed'),
        ],
      });
      const runs = listEvalRuns(store);
      assert.equal(runs.length, 2);
      assert.equal(runs[0]?.failedCount, 1);
      const changes = Object.fromEntries(compareEvalRuns(store).map((c) => [c.scenario, c.change]));
      assert.deepEqual(changes, { a: 'regressed', b: 'fixed', c: 'dropped', d: 'new' });
    });
  });
});
