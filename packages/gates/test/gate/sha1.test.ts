import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha1Hex } from '../../src/gate/sha1.js';
import { gitBlobId } from '../../src/gate/staged.js';

describe('sha1Hex', () => {
  it('matches node:crypto at every padding edge and beyond', () => {
    for (const size of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096, 32 * 1024 + 1]) {
      const data = randomBytes(size);
      assert.equal(sha1Hex(data), createHash('sha1').update(data).digest('hex'), `size ${size}`);
    }
  });

  it('gives the known digests', () => {
    assert.equal(sha1Hex(Buffer.from('')), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(sha1Hex(Buffer.from('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});

describe('gitBlobId', () => {
  it("is git's blob id on both sides of the size where it switches to node:crypto", () => {
    // `git hash-object` of an empty file and of "hello\n".
    assert.equal(gitBlobId(Buffer.alloc(0)), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    assert.equal(gitBlobId(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
    for (const size of [10, 32 * 1024, 32 * 1024 + 1, 100_000]) {
      const data = randomBytes(size);
      const expected = createHash('sha1').update(`blob ${size}\0`).update(data).digest('hex');
      assert.equal(gitBlobId(data), expected, `size ${size}`);
    }
  });
});
