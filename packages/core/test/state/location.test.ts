import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { chooseStateLocation, resolveStateLocation } from '@factory/core/state/location';
import { makeTempRepo } from '@factory/testkit';

const URL_A = 'postgres://team@127.0.0.1:5432/a';
const URL_B = 'postgres://team@127.0.0.1:5432/b';

describe('where the workflow state lives (one rule for every command)', () => {
  it('the environment wins over the config; a blank one counts as unset', () => {
    assert.deepEqual(chooseStateLocation({ FACTORY_STATE_URL: URL_A }, { url: URL_B, file: '/r/f.json' }), {
      url: URL_A,
      source: 'FACTORY_STATE_URL',
    });
    assert.deepEqual(chooseStateLocation({ FACTORY_STATE_URL: '  ' }, { url: URL_B, file: '/r/f.json' }), {
      url: URL_B,
      source: 'state.url in /r/f.json',
    });
    assert.deepEqual(chooseStateLocation({}, {}), {});
  });

  it("reads the repository's config only when the environment does not decide", async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    try {
      assert.deepEqual(await resolveStateLocation(repo.dir, {}), {});
      const file = repo.write('factory.config.json', `${JSON.stringify({ state: { url: URL_B } })}\n`);
      assert.deepEqual(await resolveStateLocation(repo.dir, {}), {
        url: URL_B,
        source: `state.url in ${file}`,
      });
      // A config that cannot be read is not read at all when the environment decides...
      writeFileSync(file, '{ not json');
      assert.deepEqual(await resolveStateLocation(repo.dir, { FACTORY_STATE_URL: URL_A }), {
        url: URL_A,
        source: 'FACTORY_STATE_URL',
      });
      // ...and is an error (exit 2) when it has to be.
      await assert.rejects(resolveStateLocation(repo.dir, {}), (error: Error & { exitCode?: number }) => {
        assert.match(error.message, /factory\.config\.json/);
        assert.equal(error.exitCode, 2);
        return true;
      });
      // Outside any repository only the environment can say.
      assert.deepEqual(await resolveStateLocation(undefined, {}), {});
    } finally {
      repo.cleanup();
    }
  });
});
