import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, type TempRepo } from '@factory/testkit';
import { indexTreeId, treeOfIndexFile } from '../../src/gate/index-tree.js';

/** What the gate computes from the index file, beside what `git write-tree` writes for it. */
function both(repo: TempRepo): { ours: string | undefined; git: string } {
  const ours = indexTreeId(readFileSync(repo.path('.git/index')));
  return { ours, git: repo.git('write-tree').trim() };
}

function files(repo: TempRepo): void {
  for (const path of [
    'a.txt',
    'a-b.txt',
    'a/b/c.txt',
    'a/b.txt',
    'a0',
    'b/x.js',
    'b.js',
    'deep/1/2/3/4/five.md',
    'spaced name.txt',
    'ünïcode/fïle.txt',
  ])
    repo.write(path, `${path}\n`);
  repo.git('add', '-A');
}

describe('indexTreeId', () => {
  it('is the tree git write-tree writes, for nested folders, names around "/" and non-ASCII names', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      files(repo);
      const { ours, git } = both(repo);
      assert.equal(ours, git);
      // With the cache-tree extension written (write-tree above), then one folder changed again.
      repo.write('deep/1/2/changed.txt', 'x\n');
      repo.git('add', 'deep/1/2/changed.txt');
      const again = both(repo);
      assert.equal(again.ours, again.git);
    } finally {
      repo.cleanup();
    }
  });

  it('takes executables, symbolic links and submodule entries as git does', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      repo.write('run.sh', '#!/bin/sh\n');
      repo.git('add', 'run.sh');
      repo.git('update-index', '--chmod=+x', 'run.sh');
      symlinkSync('README.md', repo.path('link'));
      repo.git('add', 'link');
      const commit = repo.git('rev-parse', 'HEAD').trim();
      repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},vendor/sub`);
      const { ours, git } = both(repo);
      assert.equal(ours, git);
    } finally {
      repo.cleanup();
    }
  });

  it('reads index versions 3 (skip-worktree) and 4 (prefix-compressed paths)', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      files(repo);
      repo.git('update-index', '--skip-worktree', 'a/b/c.txt');
      let result = both(repo);
      assert.equal(readFileSync(repo.path('.git/index')).readUInt32BE(4), 3);
      assert.equal(result.ours, result.git);
      repo.git('update-index', '--index-version', '4');
      repo.write('a/b/new.txt', 'new\n');
      repo.git('add', 'a/b/new.txt');
      assert.equal(readFileSync(repo.path('.git/index')).readUInt32BE(4), 4);
      result = both(repo);
      assert.equal(result.ours, result.git);
    } finally {
      repo.cleanup();
    }
  });

  it('is the empty tree for an empty index', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      repo.git('rm', '-q', '--cached', 'README.md');
      const { ours, git } = both(repo);
      assert.equal(git, '4b825dc642cb6eb9a060e54bf8d69288fbee4904');
      assert.equal(ours, git);
    } finally {
      repo.cleanup();
    }
  });

  it('leaves to git what it does not read: intent-to-add, a split index, a damaged file, not an index', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      repo.write('later.txt', 'later\n');
      repo.git('add', '-N', 'later.txt');
      assert.equal(indexTreeId(readFileSync(repo.path('.git/index'))), undefined);
      repo.git('add', 'later.txt');
      repo.git('update-index', '--split-index');
      assert.equal(indexTreeId(readFileSync(repo.path('.git/index'))), undefined);
      repo.git('update-index', '--no-split-index');
      const whole = readFileSync(repo.path('.git/index'));
      assert.equal(indexTreeId(whole), repo.git('write-tree').trim());
      // Cut short, or with bytes to spare: the entries no longer fill the file up to its checksum.
      assert.equal(indexTreeId(whole.subarray(0, whole.length - 7)), undefined);
      assert.equal(indexTreeId(Buffer.concat([whole.subarray(0, 12), whole.subarray(40)])), undefined);
      assert.equal(indexTreeId(Buffer.from('not an index at all, long enough to be read')), undefined);
    } finally {
      repo.cleanup();
    }
  });

  it('reads the index git uses, and leaves a SHA-256 repository to git', () => {
    const repo = makeTempRepo({ files: { 'README.md': 'hi\n' } });
    try {
      repo.write('src/a.js', 'a\n');
      repo.git('add', 'src/a.js');
      assert.equal(treeOfIndexFile(repo.dir, repo.env), repo.git('write-tree').trim());
      repo.git('init', '-q', '--object-format=sha256', 'sha256');
      const other = repo.path('sha256');
      writeFileSync(join(other, 'x.txt'), 'x\n');
      execFileSync('git', ['add', 'x.txt'], { cwd: other, env: repo.env });
      assert.equal(treeOfIndexFile(other, repo.env), undefined);
    } finally {
      repo.cleanup();
    }
  });

  it('leaves a conflicted index to git (write-tree refuses it)', () => {
    const repo = makeTempRepo({ files: { 'f.txt': 'base\n' } });
    try {
      repo.git('checkout', '-q', '-b', 'other');
      repo.write('f.txt', 'other\n');
      repo.git('commit', '-qam', 'other');
      repo.git('checkout', '-q', '-');
      repo.write('f.txt', 'mine\n');
      repo.git('commit', '-qam', 'mine');
      assert.notEqual(repo.tryGit('merge', '-q', 'other').status, 0);
      assert.equal(indexTreeId(readFileSync(repo.path('.git/index'))), undefined);
    } finally {
      repo.cleanup();
    }
  });
});
