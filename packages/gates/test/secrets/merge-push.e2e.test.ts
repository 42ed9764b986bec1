import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatedRepo, gitWith } from '../helpers.js';

const TOKEN = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;

describe('secrets added by a merge commit', () => {
  it('a secret that only the merge commit adds (an "evil merge") is refused at push', () => {
    const repo = gatedRepo({ 'a.txt': 'a\n' });
    try {
      const bare = repo.addBareRemote();
      repo.git('push', '-q', 'origin', 'main');
      repo.git('checkout', '-q', '-b', 'side');
      repo.write('b.txt', 'b\n');
      repo.git('add', 'b.txt');
      repo.git('commit', '-q', '-m', 'side');
      repo.git('checkout', '-q', 'main');
      repo.write('c.txt', 'c\n');
      repo.git('add', 'c.txt');
      repo.git('commit', '-q', '-m', 'main');
      repo.git('merge', '-q', '--no-ff', '--no-commit', 'side');
      repo.write('resolved.js', `const token = "${TOKEN}";\n`);
      repo.git('add', 'resolved.js');
      repo.git('commit', '-q', '--no-verify', '-m', 'merge side');
      const result = gitWith(repo, repo.env, 'push', 'origin', 'main');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /secrets {2}resolved\.js:1: a GitHub token .* in commit [0-9a-f]{10}/);
      assert.notEqual(
        gitWith(repo, repo.env, '--git-dir', bare, 'rev-parse', 'main').stdout.trim(),
        repo.git('rev-parse', 'HEAD').trim(),
        'the merge did not reach the remote',
      );
    } finally {
      repo.cleanup();
    }
  });
});
