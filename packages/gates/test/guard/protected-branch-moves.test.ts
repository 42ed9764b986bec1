import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/** While the checkout is on a protected branch: what moves or rewrites it, and what does not. */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({ branch: 'main', files: { 'src/a.ts': 'export const a = 1;\n', '.env': 'A=1\n' } });
  symlinkSync('.env', join(repo.dir, 'notes.txt'));
});
after(() => repo.cleanup());

function verdict(command: string) {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('on a protected branch', () => {
  it('refuses moving or rewriting it', () => {
    for (const command of [
      'git reset HEAD~1',
      'git reset --soft HEAD~2',
      'git reset --keep HEAD~1',
      'git commit --amend --no-edit',
      'git commit --amend -m x',
      'git rebase -i HEAD~3',
      'git rebase origin/main',
      'git branch -m old-main',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.equal(result.rule, 'protected-branch-moves', command);
    }
  });

  it('passes what leaves it where it is', () => {
    for (const command of [
      'git reset',
      'git reset HEAD src/a.ts',
      'git reset -- src/a.ts',
      'git rebase --abort',
      'git commit -m "x"',
      'git switch -c feature/y',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });
});

describe('secret files through a symbolic link made earlier', () => {
  it('refuses reading the link', () => {
    const result = verdict('cat notes.txt');
    assert.equal(result.decision, 'deny');
    assert.equal(result.rule, 'secret-files');
  });
});
