import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { legacyRecordedConfigKey, recordedMarkPath } from '@factory/gates/install/control-record';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo, gitWith } from '../helpers.js';

/**
 * The mark that a worktree's control files were recorded (from then on a missing record is tamper, not an
 * install from before the record) lives in the worktree's own git folder, which git deletes with the
 * worktree: a worktree made again at an earlier one's path starts without it, as any new worktree does.
 */

function guardDecision(dir: string, env: NodeJS.ProcessEnv): { decision: string; reason: string } {
  const payload = JSON.stringify({
    session_id: 's',
    cwd: dir,
    tool_name: 'Bash',
    tool_input: { command: 'ls' },
  });
  const out = runFactory(['hook', 'pre-tool-use'], { cwd: dir, env, input: payload });
  assert.equal(out.status, 0, out.stderr);
  if (out.stdout.trim() === '') return { decision: 'allow', reason: '' };
  const answer = JSON.parse(out.stdout).hookSpecificOutput;
  return { decision: answer.permissionDecision, reason: answer.permissionDecisionReason };
}

function commitIn(repo: TempRepo, dir: string, file: string) {
  writeFileSync(join(dir, file), `${file}\n`);
  const tree = { ...repo, dir };
  gitWith(tree, repo.env, 'add', file);
  return gitWith(tree, repo.env, 'commit', '-q', '-m', `add ${file}`);
}

function gitDirOf(repo: TempRepo, dir: string): string {
  return gitWith(
    { ...repo, dir },
    repo.env,
    'rev-parse',
    '--path-format=absolute',
    '--git-dir',
  ).stdout.trim();
}

describe('the recorded mark of a worktree', () => {
  it('a worktree made again at the path of a removed one is new; tamper evidence holds in both', () => {
    const repo = gatedRepo();
    try {
      assert.ok(existsSync(recordedMarkPath(repo.dir)!), 'init marks the main worktree');
      assert.equal(
        repo.tryGit('config', '--get-regexp', '^factory\\.recorded').stdout,
        '',
        'no key in the shared git config',
      );
      const tree = join(repo.home, 'task-1');
      for (const [round, how] of [
        [1, 'remove'],
        [2, 'delete'],
        [3, 'remove'],
      ] as const) {
        // The post-checkout hook sets the new worktree up (init), which records it and marks its git folder.
        const added = gitWith(repo, repo.env, 'worktree', 'add', '-q', '-b', `attempt-${round}`, tree);
        assert.equal(added.status, 0, `round ${round}: ${added.stderr}`);
        assert.ok(existsSync(join(tree, '.factory', 'control.json')), `round ${round}: recorded`);
        assert.ok(existsSync(join(gitDirOf(repo, tree), 'factory-recorded')), `round ${round}: marked`);
        const committed = commitIn(repo, tree, `round-${round}.txt`);
        assert.equal(committed.status, 0, `round ${round}: ${committed.stderr}`);
        assert.equal(guardDecision(tree, repo.env).decision, 'allow');
        // Gone the way the loop and a human remove worktrees: `git worktree remove`, or rm -rf and prune.
        if (how === 'remove') {
          assert.equal(gitWith(repo, repo.env, 'worktree', 'remove', '--force', tree).status, 0);
        } else {
          rmSync(tree, { recursive: true, force: true });
          assert.equal(gitWith(repo, repo.env, 'worktree', 'prune').status, 0);
        }
      }

      // Tamper evidence in a worktree made again: its record deleted refuses the commit and the guard.
      gitWith(repo, repo.env, 'worktree', 'add', '-q', '-b', 'attempt-4', tree);
      rmSync(join(tree, '.factory', 'control.json'));
      const refused = commitIn(repo, tree, 'after.txt');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /control files differ from what factory init recorded/);
      assert.match(refused.stderr, /control\.json missing/);
      const denied = guardDecision(tree, repo.env);
      assert.equal(denied.decision, 'deny');
      assert.match(denied.reason, /control\.json missing/);
      // And in the main worktree.
      rmSync(repo.path('.factory', 'control.json'));
      assert.match(guardDecision(repo.dir, repo.env).reason, /control\.json missing/);
    } finally {
      repo.cleanup();
    }
  });

  it("the released version's mark (a git config key per path) still counts in the main worktree, and init moves it", () => {
    const repo = gatedRepo();
    try {
      // As factory 0.1.0 left it: the key in .git/config, no file in the git folder.
      rmSync(recordedMarkPath(repo.dir)!);
      repo.git('config', legacyRecordedConfigKey(repo.dir), 'true');
      const record = repo.path('.factory', 'control.json');
      const saved = repo.read('.factory/control.json');
      rmSync(record);
      assert.match(guardDecision(repo.dir, repo.env).reason, /control\.json missing/);
      writeFileSync(record, saved);
      assert.equal(guardDecision(repo.dir, repo.env).decision, 'allow');

      // The next init marks the worktree's git folder and drops the old key.
      const init = runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      assert.ok(existsSync(recordedMarkPath(repo.dir)!));
      assert.equal(repo.tryGit('config', '--get-regexp', '^factory\\.recorded').stdout, '');

      // A linked worktree at a path an old key names (its earlier worktree gone) does not inherit it.
      const tree = join(repo.home, 'old-path');
      repo.git('config', legacyRecordedConfigKey(tree), 'true');
      const added = gitWith(repo, repo.env, 'worktree', 'add', '-q', '-b', 'old-path', tree);
      assert.equal(added.status, 0, added.stderr);
      assert.equal(commitIn(repo, tree, 'a.txt').status, 0);
    } finally {
      repo.cleanup();
    }
  });

  it('uninstall takes the mark away with the rest', () => {
    const repo = gatedRepo();
    try {
      const out = runFactory(['uninstall'], { cwd: repo.dir, env: repo.env });
      assert.equal(out.status, 0, out.stderr);
      assert.equal(existsSync(recordedMarkPath(repo.dir)!), false);
    } finally {
      repo.cleanup();
    }
  });
});
