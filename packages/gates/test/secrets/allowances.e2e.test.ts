import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFactory } from '@factory/testkit';
import { gatedRepo, gitWith, head, writeConfig } from '../helpers.js';

const KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;
const TOKEN = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;

function secretChecks(repo: ReturnType<typeof gatedRepo>) {
  const runs = JSON.parse(runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env }).stdout);
  return runs[0].checks.find((c: { name: string }) => c.name === 'secrets');
}

describe('secret allowances take a reason, cover one finding, and are recorded', () => {
  it('an inline marker without a reason allows nothing; with one it allows one finding and is recorded', () => {
    const repo = gatedRepo();
    try {
      repo.write('fixture.js', `const k = "${KEY}"; // factory-allow-secret\n`);
      repo.git('add', 'fixture.js');
      const bare = repo.tryGit('commit', '-m', 'x');
      assert.notEqual(bare.status, 0);
      assert.match(bare.stderr, /marker on this line gives no reason/);

      repo.write('fixture.js', `const k = "${KEY}", t = "${TOKEN}"; // factory-allow-secret: docs example\n`);
      repo.git('add', 'fixture.js');
      const one = repo.tryGit('commit', '-m', 'x');
      assert.notEqual(one.status, 0, 'one marker does not cover the second secret on the line');
      assert.match(one.stderr, /fixture\.js:1: a GitHub token/);

      repo.write('fixture.js', `const k = "${KEY}"; // factory-allow-secret: docs example of a key format\n`);
      repo.git('add', 'fixture.js');
      const ok = gitWith(repo, repo.env, 'commit', '-m', 'x');
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(secretChecks(repo).allowed, [
        {
          file: 'fixture.js',
          line: 1,
          rule: 'aws-access-key-id',
          by: 'marker',
          reason: 'docs example of a key format',
        },
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it('allowPaths needs a reason (a bare glob is a config error), and what it allows is recorded', () => {
    const repo = gatedRepo();
    try {
      repo.write('fixtures/key.js', `const k = "${KEY}";\n`);
      repo.git('add', 'fixtures/key.js');
      writeConfig(repo, { gates: { secrets: { allowPaths: ['**'] } } });
      const before = head(repo);
      const bare = repo.tryGit('commit', '-m', 'x');
      assert.notEqual(bare.status, 0);
      assert.match(bare.stderr, /allowPaths/);
      assert.equal(head(repo), before);

      writeConfig(repo, {
        gates: { secrets: { allowPaths: [{ path: 'fixtures/**', reason: 'fake keys for tests' }] } },
      });
      const ok = gitWith(repo, repo.env, 'commit', '-m', 'x');
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(
        ok.stderr,
        /allowed fixtures\/key\.js:1 \(rule aws-access-key-id\) by gates\.secrets\.allowPaths: fake keys for tests/,
      );
      assert.deepEqual(secretChecks(repo).allowed, [
        {
          file: 'fixtures/key.js',
          line: 1,
          rule: 'aws-access-key-id',
          by: 'allowPaths',
          reason: 'fake keys for tests',
        },
      ]);
    } finally {
      repo.cleanup();
    }
  });
});
