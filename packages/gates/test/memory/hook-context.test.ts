import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedFiles } from '@factory/gates/memory/hook-context';
import { makeTempRepo } from '@factory/testkit';

describe('changed files for the session ranking', () => {
  it('lists modified, staged, untracked and renamed files by their current path', () => {
    const repo = makeTempRepo({ files: { 'src/a.ts': 'a\n', 'src/old name.ts': 'b\n', 'README.md': 'r\n' } });
    try {
      repo.write('src/a.ts', 'changed\n');
      repo.git('mv', 'src/old name.ts', 'src/new name.ts');
      repo.write('notes/todo.md', 'x\n');
      assert.deepEqual(changedFiles(repo.dir).sort(), ['notes/todo.md', 'src/a.ts', 'src/new name.ts']);
    } finally {
      repo.cleanup();
    }
  });

  it('is empty outside git rather than failing', () => {
    assert.deepEqual(changedFiles('/nonexistent-folder-for-factory-test'), []);
  });
});
