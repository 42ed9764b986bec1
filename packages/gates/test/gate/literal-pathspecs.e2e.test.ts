import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gatedRepo, gitWith, standIn, withPath, writeConfig } from '../helpers.js';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

describe('file names that are git globs', () => {
  for (const partial of [false, true]) {
    it(`a fixer on "[ab].js" (${partial ? 'partially' : 'fully'} staged) stages that file only: not the unstaged a.js, not the untracked b.js with a secret`, () => {
      const repo = gatedRepo({ '[ab].js': 'top\nmiddle\nbottom\n', 'a.js': 'a\n' });
      try {
        const bin = join(repo.home, 'bin');
        standIn(bin, 'fixer', { script: 'for f in "$@"; do sed -i s/bad/good/ "$f"; done' });
        writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': 'fixer' } } } });
        repo.write('[ab].js', 'top bad\nmiddle\nbottom\n');
        repo.git('add', '--', ':(literal)[ab].js');
        if (partial) repo.write('[ab].js', 'top bad\nmiddle\nbottom\nunstaged\n');
        repo.write('a.js', 'a\nunstaged edit\n');
        repo.write('b.js', `export const key = "${AWS_KEY}";\n`);
        const result = gitWith(repo, withPath(repo.env, bin), 'commit', '-m', 'glob name');
        assert.equal(result.status, 0, result.stderr);
        assert.equal(repo.git('show', 'HEAD:[ab].js'), 'top good\nmiddle\nbottom\n');
        assert.deepEqual(
          repo.git('diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD').trim().split('\n'),
          ['[ab].js'],
          'only the glob-named file is in the commit',
        );
        assert.equal(repo.git('show', 'HEAD:a.js'), 'a\n');
        assert.equal(
          repo.git('status', '--porcelain', '--', 'a.js', 'b.js', ':(literal)[ab].js'),
          `${partial ? ' M "[ab].js"\n' : ''} M a.js\n?? b.js\n`.replace(' M "[ab].js"', ' M [ab].js'),
        );
      } finally {
        repo.cleanup();
      }
    });
  }
});
