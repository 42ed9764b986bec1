import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeTempDir } from '@factory/testkit';
import { factoryHome, SweepHistory } from '../../src/sweep/home-store.js';

describe('sweep history under $FACTORY_HOME', () => {
  it('FACTORY_HOME wins, else ~/.config/factory', () => {
    assert.equal(factoryHome({ FACTORY_HOME: '/x/y' }), '/x/y');
    assert.equal(factoryHome({ HOME: '/home/me' }), '/home/me/.config/factory');
  });

  it('keeps the latest result per repository, trends newest first, and what to resume', () => {
    const tmp = makeTempDir();
    const history = SweepHistory.open(tmp.dir);
    try {
      const row = (repo: string, status: 'healthy' | 'unhealthy') => ({
        repo,
        name: repo,
        status,
        problems: status === 'healthy' ? [] : ['hooks: missing'],
        result: { repo },
        durationMs: 5,
        finishedAt: new Date().toISOString(),
      });
      const first = history.start('m.yaml', {});
      history.record(first, row('a', 'unhealthy'));
      history.record(first, row('b', 'healthy'));
      history.finish(first);
      const second = history.start('m.yaml', { resume: true });
      history.record(second, row('a', 'healthy'));
      history.finish(second);
      const latest = history.latestResults();
      assert.equal(latest.get('a')!.status, 'healthy');
      assert.equal(latest.get('b')!.sweepId, first);
      assert.equal(history.latestResults(second).get('a')!.status, 'unhealthy', 'before the second sweep');
      assert.deepEqual(
        history.trend('a').map((r) => r.status),
        ['healthy', 'unhealthy'],
      );
      assert.deepEqual(
        history.sweeps().map((s) => [s.repositories, s.unhealthy]),
        [
          [1, 0],
          [2, 1],
        ],
      );
    } finally {
      history.close();
      tmp.cleanup();
    }
  });
});
