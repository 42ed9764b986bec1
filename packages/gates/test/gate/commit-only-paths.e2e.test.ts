import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gatedRepo, gitWith, standIn, withPath, writeConfig } from '../helpers.js';

describe('git commit -- PATH with a fixer', () => {
  it('the commit and the index afterwards both hold the fixed content; other staged work stays staged', () => {
    const repo = gatedRepo({ 'a.js': 'one\n', 'b.js': 'b\n' });
    try {
      const bin = join(repo.home, 'bin');
      standIn(bin, 'fixer', { script: 'for f in "$@"; do sed -i s/bad/good/ "$f"; done' });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': 'fixer' } } } });
      repo.write('a.js', 'bad\n');
      repo.write('b.js', 'b staged\n');
      repo.git('add', 'b.js');
      const result = gitWith(repo, withPath(repo.env, bin), 'commit', '-m', 'only a', '--', 'a.js');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(repo.git('show', 'HEAD:a.js'), 'good\n');
      assert.equal(repo.read('a.js'), 'good\n');
      assert.equal(repo.git('show', ':a.js'), 'good\n', 'the index holds the fixed content');
      assert.equal(repo.git('status', '--porcelain'), 'M  b.js\n', 'a.js is clean, b.js still staged');
    } finally {
      repo.cleanup();
    }
  });
});
