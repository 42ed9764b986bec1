import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sandboxPaths, workspaceSandbox } from '@factory/gates/install/claude-engines';
import { makeTempRepo } from '@factory/testkit';

describe("the sandbox paths of a linked worktree's shared git folder", () => {
  it('denies the control places there that exist, and never one that does not', () => {
    // Claude Code's sandbox denies an absent path by mounting over it: the mount point is a real file in the
    // shared git folder while each sandboxed command runs, which other worktrees' gates took as tamper.
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const worktree = join(repo.home, 'wt');
      repo.git('worktree', 'add', '--quiet', '-b', 'wt', worktree);
      const common = repo.path('.git');
      const absolute = (paths: string[]) => paths.filter((p) => p.startsWith('//'));
      const before = absolute(sandboxPaths(worktree, repo.home).denyWrite);
      assert.ok(before.includes(`/${join(common, 'config')}`), before.join(' '));
      assert.ok(!before.includes(`/${join(common, 'factory-hooks.config')}`), before.join(' '));
      assert.ok(!before.includes(`/${join(common, 'factory-hooks')}`), before.join(' '));
      // A team's husky: factory's dispatch folder and its config exist, and are denied.
      mkdirSync(join(common, 'factory-hooks'));
      writeFileSync(join(common, 'factory-hooks.config'), '[core]\n\thooksPath = x\n');
      const after = absolute(sandboxPaths(worktree, repo.home).denyWrite);
      assert.ok(after.includes(`/${join(common, 'factory-hooks.config')}`), after.join(' '));
      assert.ok(after.includes(`/${join(common, 'factory-hooks')}`), after.join(' '));
      // An added worktree of a loop session gets the same list.
      const other = join(repo.home, 'other');
      repo.git('worktree', 'add', '--quiet', '-b', 'other', other);
      const session = workspaceSandbox([worktree, other], repo.home);
      assert.ok(session.denyWrite.includes(`/${join(common, 'factory-hooks.config')}`));
      assert.ok(!session.denyWrite.some((p) => p.endsWith('/config.worktree')), session.denyWrite.join(' '));
    } finally {
      repo.cleanup();
    }
  });
});
