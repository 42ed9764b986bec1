import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

describe('skills in personal mode, gate history', () => {
  it('skills sync keeps a synced skill out of git; skills rm removes it (an edited one only with --force)', () => {
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    const factory = (...args: string[]) => runFactory(args, { cwd: repo.dir, env: repo.env });
    try {
      assert.equal(factory('init', '--yes').status, 0);
      const synced = factory('skills', 'sync', 'python-quality');
      assert.equal(synced.status, 0, synced.stderr);
      assert.ok(existsSync(repo.path('.claude/skills/python-quality/SKILL.md')));
      assert.equal(repo.git('status', '--porcelain', '--untracked-files=all'), '');

      writeFileSync(repo.path('.claude/skills/python-quality/SKILL.md'), 'mine\n');
      const kept = factory('skills', 'rm', 'python-quality');
      assert.equal(kept.status, 1);
      assert.match(kept.stdout, /edited here: python-quality; run factory skills rm --force/);
      const removed = factory('skills', 'rm', 'python-quality', '--force');
      assert.equal(removed.status, 0, removed.stderr);
      assert.ok(!existsSync(repo.path('.claude/skills/python-quality')));
      assert.doesNotMatch(repo.read('.git/info/exclude'), /python-quality/);
      const unknown = factory('skills', 'rm', 'nope');
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /did not install a skill "nope"/);
    } finally {
      repo.cleanup();
    }
  });

  it('gate history names the check that failed', () => {
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    const factory = (...args: string[]) => runFactory(args, { cwd: repo.dir, env: repo.env });
    try {
      assert.equal(factory('init', '--yes').status, 0);
      repo.write('leak.txt', `${AWS_KEY}\n`);
      repo.git('add', 'leak.txt');
      assert.notEqual(repo.tryGit('commit', '-m', 'leak').status, 0);
      const history = factory('gate', 'history');
      assert.match(history.stdout, /pre-commit failed .* failed: secrets \(1 finding\)/);
    } finally {
      repo.cleanup();
    }
  });
});
