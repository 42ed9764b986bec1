import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lastPassedTreePath, readPassedTrees, recordPassedTrees } from '@factory/gates/gate/passed-trees';
import { makeTempRepo } from '@factory/testkit';

describe('passed trees', () => {
  it('keeps every tree in the list and the last one alone, whatever the length of the one before', () => {
    const repo = makeTempRepo();
    try {
      const sha1 = 'a'.repeat(40);
      const sha256 = 'b'.repeat(64);
      recordPassedTrees(repo.dir, [sha256]);
      assert.equal(readFileSync(lastPassedTreePath(repo.dir), 'utf8'), `${sha256}\n`);
      // Shorter than what the file held: nothing of the longer id is left behind.
      recordPassedTrees(repo.dir, [sha1]);
      assert.equal(readFileSync(lastPassedTreePath(repo.dir), 'utf8'), `${sha1}\n`);
      // Longer again, and a file that holds something else entirely (written by hand).
      writeFileSync(lastPassedTreePath(repo.dir), 'x\n');
      recordPassedTrees(repo.dir, ['c'.repeat(40), sha256]);
      assert.equal(readFileSync(lastPassedTreePath(repo.dir), 'utf8'), `${sha256}\n`);
      assert.deepEqual([...readPassedTrees(repo.dir)], [sha256, sha1, 'c'.repeat(40)]);
    } finally {
      repo.cleanup();
    }
  });
});
