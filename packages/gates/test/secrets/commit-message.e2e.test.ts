import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatedRepo, gitWith, head, pastTheGates } from '../helpers.js';

const TOKEN = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;

describe('secrets in commit messages', () => {
  it('the commit-msg gate refuses a message with a token; an ordinary message passes', () => {
    const repo = gatedRepo();
    try {
      repo.write('a.txt', 'a\n');
      repo.git('add', 'a.txt');
      const before = head(repo);
      const refused = repo.tryGit('commit', '-m', 'use the token', '-m', `token: ${TOKEN}`);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /secrets {2}commit message:3: a GitHub token \(ghp_…R8/);
      assert.equal(head(repo), before);
      const passed = repo.tryGit('commit', '-m', 'add a');
      assert.equal(passed.status, 0, passed.stderr);
    } finally {
      repo.cleanup();
    }
  });

  it('pre-push refuses a pushed commit whose message carries a token (committed with --no-verify)', () => {
    const repo = gatedRepo();
    try {
      repo.addBareRemote();
      repo.write('a.txt', 'a\n');
      repo.git('add', 'a.txt');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', `deploy with ${TOKEN}`);
      const result = gitWith(repo, repo.env, 'push', 'origin', 'main');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /secrets {2}commit message of [0-9a-f]{10}:1: a GitHub token/);
    } finally {
      repo.cleanup();
    }
  });
});
