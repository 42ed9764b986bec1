import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactory } from '@factory/testkit';
import { gatedRepo, gitWith, head, standIn, withPath, writeConfig } from '../helpers.js';

describe('factory gate pre-push through real git push to a bare remote', () => {
  it('refuses a push whose commits carry a secret, runs the configured commands, records the pushed sha', () => {
    const repo = gatedRepo();
    try {
      const bare = repo.addBareRemote();
      const bin = join(repo.home, 'bin');
      const checkLog = standIn(bin, 'check-types');
      writeConfig(repo, {
        gates: { prePush: { commands: [{ name: 'types', run: 'check-types --strict' }] } },
      });
      const env = withPath(repo.env, bin);

      // A secret committed past the pre-commit gate (--no-verify, and a human's skip of the
      // reference-transaction check) is still stopped at the push.
      repo.write('old.env.js', `const t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`);
      repo.git('add', 'old.env.js');
      const sneaky = gitWith(
        repo,
        { ...env, FACTORY_SKIP: 'all', FACTORY_SKIP_REASON: 'test: a commit past the gates' },
        'commit',
        '-q',
        '--no-verify',
        '-m',
        'sneaky',
      );
      assert.equal(sneaky.status, 0, sneaky.stderr);
      const refused = gitWith(repo, env, 'push', 'origin', 'main');
      assert.notEqual(refused.status, 0);
      assert.match(
        refused.stderr,
        /secrets {2}old\.env\.js:1: a GitHub token \(ghp_…R8, rule github-token\) in commit [0-9a-f]{10}/,
      );
      assert.equal(
        gitWith(repo, env, '--git-dir', bare, 'rev-parse', '--verify', '-q', 'refs/heads/main').status,
        1,
        'nothing reached the remote',
      );

      repo.git('reset', '-q', '--hard', 'HEAD~1');
      repo.write('ok.txt', 'ok\n');
      repo.git('add', 'ok.txt');
      repo.git('commit', '-q', '-m', 'fine');
      const pushed = gitWith(repo, env, 'push', 'origin', 'main');
      assert.equal(pushed.status, 0, pushed.stderr);
      assert.equal(readFileSync(checkLog, 'utf8'), 'check-types --strict\n');
      const runs = JSON.parse(runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env }).stdout);
      const push = runs.find(
        (run: { gate: string; status: string }) => run.gate === 'pre-push' && run.status === 'passed',
      );
      assert.equal(push.sha, head(repo));

      standIn(bin, 'check-types', { code: 2, script: 'echo "src/x.ts(1,1): error TS2322" >&2' });
      repo.write('ok.txt', 'ok again\n');
      repo.git('commit', '-q', '-am', 'more');
      const failing = gitWith(repo, env, 'push', 'origin', 'main');
      assert.notEqual(failing.status, 0);
      assert.match(failing.stderr, /error TS2322/);
      assert.match(failing.stderr, /commands {2}"types" failed \(exit 2\)/);
    } finally {
      repo.cleanup();
    }
  });
});
