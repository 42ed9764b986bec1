import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo, gitWith, pastTheGates, standIn, withPath, writeConfig } from '../helpers.js';

function prePushRuns(repo: TempRepo) {
  const runs = JSON.parse(
    runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env }).stdout,
  ) as Array<{
    gate: string;
    status: string;
    checks: Array<{ name: string; tree?: string; reusedFrom?: number }>;
  }>;
  return runs.filter((run) => run.gate === 'pre-push');
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

describe('pre-push does not do the same work twice', () => {
  it('a command that passed on a tree is not run again on that tree; a changed or dirty tree runs it', () => {
    const repo = gatedRepo({ 'a.txt': 'a\n' });
    try {
      repo.addBareRemote();
      const bin = join(repo.home, 'bin');
      const log = standIn(bin, 'slow-tests');
      writeConfig(repo, { gates: { prePush: { commands: ['slow-tests'] } } });
      const env = withPath(repo.env, bin);
      const first = gitWith(repo, env, 'push', '-q', 'origin', 'main');
      assert.equal(first.status, 0, first.stderr);
      assert.equal(lines(log), 1);
      const tree = repo.git('rev-parse', 'HEAD^{tree}').trim();
      assert.equal(
        prePushRuns(repo)[0]!.checks.find((c) => c.name === 'commands')?.tree,
        tree,
        'recorded with the tree id',
      );

      // The same tree in a new commit (a reworded message), pushed to a new branch.
      pastTheGates(repo, 'commit', '-q', '--amend', '--no-verify', '-m', 'reworded');
      const again = gitWith(repo, env, 'push', 'origin', 'HEAD:refs/heads/reworded');
      assert.equal(again.status, 0, again.stderr);
      assert.equal(lines(log), 1, 'not run again on the same tree');
      assert.match(again.stderr, /already passed on this tree/);
      assert.ok(
        prePushRuns(repo)[0]!.checks.some((c) => c.name === 'commands' && c.reusedFrom !== undefined),
      );

      // A dirty working tree is not the tree that passed: the command runs.
      pastTheGates(repo, 'commit', '-q', '--amend', '--no-verify', '-m', 'reworded again');
      repo.write('scratch.txt', 'untracked\n');
      assert.equal(gitWith(repo, env, 'push', '-q', 'origin', 'HEAD:refs/heads/dirty').status, 0);
      assert.equal(lines(log), 2);

      // A new tree runs it too.
      repo.write('a.txt', 'changed\n');
      repo.git('add', 'a.txt', 'scratch.txt');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'change');
      assert.equal(gitWith(repo, env, 'push', '-q', 'origin', 'HEAD:refs/heads/changed').status, 0);
      assert.equal(lines(log), 3);
    } finally {
      repo.cleanup();
    }
  });

  it('a commit that already went to this remote through the gate is pushed again without starting the gate', () => {
    const repo = gatedRepo({ 'a.txt': 'a\n' });
    try {
      repo.addBareRemote();
      const bin = join(repo.home, 'bin');
      const log = standIn(bin, 'slow-tests');
      writeConfig(repo, { gates: { prePush: { commands: ['slow-tests'] } } });
      const env = withPath(repo.env, bin);
      assert.equal(gitWith(repo, env, 'push', '-q', 'origin', 'main').status, 0);
      const before = prePushRuns(repo).length;
      assert.equal(gitWith(repo, env, 'push', '-q', 'origin', 'HEAD:refs/heads/second').status, 0);
      assert.equal(prePushRuns(repo).length, before, 'no gate process ran');
      assert.equal(lines(log), 1);

      // Another remote has never seen it: the gate runs.
      const other = `${repo.dir}-other.git`;
      repo.git('init', '-q', '--bare', other);
      repo.git('remote', 'add', 'other', other);
      assert.equal(gitWith(repo, env, 'push', '-q', 'other', 'main').status, 0);
      assert.equal(prePushRuns(repo).length, before + 1);

      // A new commit runs the gate as ever (here: its secret refuses the push).
      repo.write('k.js', `const t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`);
      repo.git('add', 'k.js');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'key');
      assert.notEqual(gitWith(repo, env, 'push', '-q', 'origin', 'HEAD:refs/heads/second').status, 0);
    } finally {
      repo.cleanup();
    }
  });
});
