import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '@factory/testkit';
import { gatedRepo, gitWith } from '../helpers.js';

describe('factory gate pre-push and a force push over a commit this clone never fetched', () => {
  it('refuses with the real reason and the fix, never "failed unexpectedly"; after a fetch the push goes', () => {
    const repo = gatedRepo();
    const other = makeTempDir('factory-other-clone-');
    try {
      const bare = repo.addBareRemote();
      const pushed = gitWith(repo, repo.env, 'push', '-q', 'origin', 'main');
      assert.equal(pushed.status, 0, pushed.stderr);
      // Someone else pushes a commit this clone has never seen.
      const theirs = join(other.dir, 'clone');
      const cloned = gitWith(repo, repo.env, 'clone', '-q', '-b', 'main', bare, theirs);
      assert.equal(cloned.status, 0, cloned.stderr);
      const inTheirs = (...args: string[]) => gitWith(repo, repo.env, '-C', theirs, ...args);
      inTheirs('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'their work');
      const theirPush = inTheirs('-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main');
      assert.equal(theirPush.status, 0, theirPush.stderr);
      const theirSha = inTheirs('rev-parse', 'HEAD').stdout.trim();

      repo.write('mine.txt', 'mine\n');
      repo.git('add', 'mine.txt');
      repo.git('commit', '-q', '-m', 'my work');
      const forced = gitWith(repo, repo.env, 'push', '--force', 'origin', 'main');
      assert.equal(forced.status, 1, forced.stderr);
      assert.doesNotMatch(forced.stderr, /unexpectedly|report the bug/);
      assert.ok(
        forced.stderr.includes(
          `factory: the push would overwrite refs/heads/main on origin at ${theirSha.slice(0, 10)}, a commit this clone has never fetched, and lose work you have not seen; run git fetch origin, look at what it brings, then push again (git push --force-with-lease keeps that safe).`,
        ),
        forced.stderr,
      );
      assert.equal(gitWith(repo, repo.env, '--git-dir', bare, 'rev-parse', 'main').stdout.trim(), theirSha);

      // Once fetched, the overwrite is a choice made with the facts: the gate lets it through.
      assert.equal(gitWith(repo, repo.env, 'fetch', '-q', 'origin').status, 0);
      const again = gitWith(repo, repo.env, 'push', '-q', '--force', 'origin', 'main');
      assert.equal(again.status, 0, again.stderr);
    } finally {
      other.cleanup();
      repo.cleanup();
    }
  });
});
