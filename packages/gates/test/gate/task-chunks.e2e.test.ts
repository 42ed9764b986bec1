import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gatedRepo, gitWith, standIn, withPath, writeConfig } from '../helpers.js';

describe('long file lists', () => {
  it('16,000 staged files reach the task in command lines that fit (no spawn E2BIG), every file once', () => {
    const repo = gatedRepo();
    try {
      const bin = join(repo.home, 'bin');
      const seen = join(repo.home, 'seen.txt');
      standIn(bin, 'count', { script: `for f in "$@"; do echo "$f" >> '${seen}'; done` });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': ['count', 'count --second-pass'] } } } });
      const folder = 'src/a-rather-long-folder-name-for-every-file/and-one-more-level-below-it';
      mkdirSync(repo.path(folder), { recursive: true });
      for (let i = 0; i < 16_000; i++)
        writeFileSync(repo.path(folder, `module-${i}.js`), `export const n = ${i};\n`);
      repo.git('add', 'src');

      const result = gitWith(repo, withPath(repo.env, bin), 'commit', '-q', '-m', 'many files');
      assert.equal(result.status, 0, result.stderr);
      const lines = readFileSync(seen, 'utf8')
        .split('\n')
        .filter((l) => l && l !== '--second-pass');
      assert.equal(lines.length, 32_000, 'each command saw each file once');
      assert.equal(new Set(lines).size, 16_000);
      const calls = readFileSync(join(bin, 'count.log'), 'utf8').split('\n').filter(Boolean).length;
      assert.ok(calls > 2, `the list was split into several command lines (${calls})`);
      const tree = spawnSync('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'src'], {
        cwd: repo.dir,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(tree.stdout.split('\n').filter(Boolean).length, 16_000);
    } finally {
      repo.cleanup();
    }
  });
});
