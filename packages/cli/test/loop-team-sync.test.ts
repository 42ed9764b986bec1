import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTempRepo, type TempRepo } from '@factory/testkit';
import { loopTeamSync } from '../src/team-sync.js';

/**
 * `factory loop run` ships after its ticks like `loop tick` does, without a connection on every tick of a
 * burst and without a warning line on every tick while the server is out of reach.
 */
describe('factory loop run: shipping to the team between ticks', () => {
  let repo: TempRepo;
  const saved = process.env.FACTORY_STATE_URL;
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  before(() => {
    repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    // Nothing listens on port 1: every sync fails at once with "connection refused".
    process.env.FACTORY_STATE_URL = 'postgres://factory@127.0.0.1:1/postgres';
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  after(() => {
    process.stderr.write = write;
    if (saved === undefined) delete process.env.FACTORY_STATE_URL;
    else process.env.FACTORY_STATE_URL = saved;
    repo.cleanup();
  });

  it('syncs after the first tick, then once the spacing has passed, and at the end; warns once', async () => {
    let clock = 0;
    let asked = 0;
    const sync = loopTeamSync(
      async () => {
        asked++;
        return [repo.dir];
      },
      repo.dir,
      () => clock,
    );
    await sync.afterTick(); // the first tick ships
    clock += 1_000;
    await sync.afterTick(); // a burst: not again
    clock += 10_000;
    await sync.afterTick(); // spaced: again
    await sync.onEnd(); // the end always ships
    // The roots are asked for only once the server's URL is known, then the connection is refused.
    assert.equal(asked, 3);
    assert.equal(written.length, 1, written.join(''));
    assert.match(written[0]!, /^factory: the team's state was not synced \(.*connection refused.*\)/);
  });
});
