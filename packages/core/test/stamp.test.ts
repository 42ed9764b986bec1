import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '@factory/testkit';
import { buildStamp, fileStamp, fileStamps, stampsHold, writeCacheFile } from '../src/stamp.js';

describe('file stamps (the hooks caches)', () => {
  it('change with any rewrite, even one of the same size that puts the old mtime back', () => {
    const temp = makeTempDir();
    try {
      const file = join(temp.dir, 'factory.config.json');
      writeFileSync(file, '{ "a": 1 }\n');
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      const before = statSync(file);
      const stamps = fileStamps([file]);
      assert.ok(stampsHold(stamps));
      writeFileSync(file, '{ "a": 2 }\n');
      utimesSync(file, 1_700_000_000, 1_700_000_000);
      assert.equal(statSync(file).mtimeMs, before.mtimeMs, 'the mtime is as it was');
      assert.equal(statSync(file).size, before.size, 'and so is the size');
      assert.equal(stampsHold(stamps), false, 'yet the stamp tells the change');
    } finally {
      temp.cleanup();
    }
  });

  it('record absence, which holds until something appears, and never hold an empty record', () => {
    const temp = makeTempDir();
    try {
      const missing = join(temp.dir, 'missing.json');
      const inFile = join(temp.dir, 'a-file', 'x.json');
      writeFileSync(join(temp.dir, 'a-file'), 'not a folder\n');
      assert.equal(fileStamp(missing), '');
      assert.equal(fileStamp(inFile), '', 'a file where a folder should be: nothing can be there');
      const stamps = fileStamps([missing, inFile]);
      assert.ok(stampsHold(stamps));
      writeFileSync(missing, '{}\n');
      assert.equal(stampsHold(stamps), false);
      assert.equal(stampsHold({}), false);
      assert.equal(stampsHold(null), false);
      assert.equal(stampsHold('x'), false);
    } finally {
      temp.cleanup();
    }
  });

  it('name the build by its module and stamp', () => {
    const temp = makeTempDir();
    try {
      const module = join(temp.dir, 'run bundle.cjs');
      writeFileSync(module, '// 1\n');
      const url = new URL(`file://${module}`).href;
      const first = buildStamp(url);
      assert.ok(first.startsWith(`${module}:`), first);
      writeFileSync(module, '// 2\n');
      assert.notEqual(buildStamp(url), first);
    } finally {
      temp.cleanup();
    }
  });

  it('write a cache file whole, or not at all', () => {
    const temp = makeTempDir();
    try {
      const file = join(temp.dir, 'cache.json');
      assert.equal(writeCacheFile(file, '{"v":1}'), true);
      assert.equal(readFileSync(file, 'utf8'), '{"v":1}');
      // A folder that is not there: false, and nothing is left behind.
      assert.equal(writeCacheFile(join(temp.dir, 'no', 'cache.json'), '{}'), false);
      mkdirSync(join(temp.dir, 'dir.json'));
      assert.equal(writeCacheFile(join(temp.dir, 'dir.json'), '{}'), false);
      assert.deepEqual(readdirSync(temp.dir).sort(), ['cache.json', 'dir.json']);
      assert.ok(!existsSync(join(temp.dir, 'no')));
    } finally {
      temp.cleanup();
    }
  });
});
