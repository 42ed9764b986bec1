import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { makeTempRepo } from '@factory/testkit';
import {
  branchResource,
  equipWorktree,
  preflight,
  prepareWorkspace,
  reclaimTaskResources,
  taskBranch,
  worktreePath,
} from '../../src/loop/workspace.js';

describe('the workspace of a work task', () => {
  it('names the branch after the home repository, the task and its title', () => {
    const branch = taskBranch('factory/', '/src/My App', {
      id: 12,
      title: 'Fix: the "typo" in README!',
    } as never);
    assert.equal(branch, 'factory/my-app-12-fix-the-typo-in-readme');
    assert.equal(
      worktreePath('/r', branch),
      '/r/.factory/worktrees/factory-my-app-12-fix-the-typo-in-readme',
    );
    assert.equal(branchResource('/r', branch), `/r:${branch}`);
  });

  it('refuses a detached or dirty main checkout', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      assert.deepEqual(preflight([repo.dir]), { ok: true });
      repo.write('a.txt', 'changed\n');
      const dirty = preflight([repo.dir]);
      assert.equal(dirty.ok, false);
      repo.git('checkout', '--', 'a.txt');
      repo.git('checkout', '--quiet', '--detach');
      assert.match((preflight([repo.dir]) as { reason: string }).reason, /detached HEAD/);
    } finally {
      repo.cleanup();
    }
  });

  it('makes the worktree once, finds it again, copies what personal mode keeps out of git, and reclaims it', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    const state = openRepositoryState(repo.dir);
    try {
      repo.write('.claude/settings.local.json', '{"hooks":{}}\n');
      writeFileSync(
        repo.path('.git', 'info', 'exclude'),
        '# >>> factory (personal mode: kept out of git) >>>\n/.factory/\n/.claude/settings.local.json\n# <<< factory <<<\n',
      );
      const { task } = state.tasks.add({
        title: 'T',
        workflow: 'work',
        data: { prompt: 'p', repos: [repo.dir] },
      });
      const held = state.tasks.claimTask(task.id, 'w', 60);
      const spec = { prompt: 'p', repos: [repo.dir] };
      const first = prepareWorkspace(state, held, 'w', spec, 'factory/t-1', () => undefined);
      assert.ok(first.ok);
      const wt = first.workspace.repos[0]!.worktree;
      assert.equal(readFileSync(join(wt, '.claude', 'settings.local.json'), 'utf8'), '{"hooks":{}}\n');
      const again = prepareWorkspace(state, held, 'w', spec, 'factory/t-1', () => undefined);
      assert.ok(again.ok, 'the same task finds its branch and worktree again');
      assert.equal(state.resources.list(task.id, true).length, 2, 'one worktree and one branch resource');
      const { task: other } = state.tasks.add({ title: 'U', workflow: 'work', data: spec });
      const taken = prepareWorkspace(
        state,
        state.tasks.claimTask(other.id, 'v', 60),
        'v',
        spec,
        'factory/t-1',
        () => undefined,
      );
      assert.equal(taken.ok, false, 'another task may not take the branch');
      state.tasks.move(task.id, 'cancel', { actor: 'w' });
      assert.deepEqual(reclaimTaskResources(state, task.id), []);
      assert.ok(!existsSync(wt));
      assert.equal(repo.git('branch', '--list', 'factory/*').trim(), '');
      mkdirSync(join(repo.dir, 'x'), { recursive: true });
      equipWorktree(repo.dir, join(repo.dir, 'x'));
      assert.ok(existsSync(join(repo.dir, 'x', '.claude', 'settings.local.json')));
    } finally {
      state.close();
      repo.cleanup();
    }
  });

  it("makes a worktree again whose folder was deleted by hand, leaving other worktrees' registrations alone", () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    const state = openRepositoryState(repo.dir);
    try {
      const spec = { prompt: 'p', repos: [repo.dir] };
      const { task } = state.tasks.add({ title: 'T', workflow: 'work', data: spec });
      const held = state.tasks.claimTask(task.id, 'w', 60);
      const first = prepareWorkspace(state, held, 'w', spec, 'factory/t-1', () => undefined);
      assert.ok(first.ok);
      const wt = first.workspace.repos[0]!.worktree;
      // Another worktree of the repository whose folder is gone too: another worker's business (it may be
      // one that `git worktree add` is still making), not this task's.
      const elsewhere = join(repo.home, 'elsewhere');
      repo.git('worktree', 'add', '--quiet', '-b', 'elsewhere', elsewhere);
      rmSync(elsewhere, { recursive: true, force: true });
      rmSync(wt, { recursive: true, force: true });
      const again = prepareWorkspace(state, held, 'w', spec, 'factory/t-1', () => undefined);
      assert.ok(again.ok, again.ok ? '' : again.reason);
      assert.equal(repo.git('-C', wt, 'symbolic-ref', '--short', 'HEAD').trim(), 'factory/t-1');
      assert.match(repo.git('worktree', 'list', '--porcelain'), /worktree .*elsewhere\n/);
    } finally {
      state.close();
      repo.cleanup();
    }
  });

  it('makes the worktree while .git/config is locked (a sandboxed command of another session holds config.lock), writing nothing there', () => {
    // Claude Code's sandbox puts a mount point at the git folder's config.lock (it denies writing it) for as
    // long as each sandboxed command runs: in the shared git folder of the loop's worktrees, that is a file
    // on disk that every `git config` write of the repository meanwhile fails on ("could not lock config
    // file"). A branch made from a remote-tracking branch gets upstream config by default.
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    const state = openRepositoryState(repo.dir);
    try {
      const bare = join(repo.home, 'remote.git');
      repo.git('init', '--quiet', '--bare', bare);
      repo.git('remote', 'add', 'origin', bare);
      repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      const config = readFileSync(repo.path('.git', 'config'), 'utf8');
      writeFileSync(repo.path('.git', 'config.lock'), '');
      const spec = { prompt: 'p', repos: [repo.dir] };
      const { task } = state.tasks.add({ title: 'T', workflow: 'work', data: spec });
      const held = state.tasks.claimTask(task.id, 'w', 60);
      const made = prepareWorkspace(state, held, 'w', spec, 'factory/t-1', () => 'main');
      assert.ok(made.ok, made.ok ? '' : made.reason);
      assert.equal(made.workspace.repos[0]!.base, 'origin/main');
      assert.equal(
        repo.git('-C', made.workspace.repos[0]!.worktree, 'symbolic-ref', '--short', 'HEAD').trim(),
        'factory/t-1',
      );
      rmSync(repo.path('.git', 'config.lock'));
      assert.equal(readFileSync(repo.path('.git', 'config'), 'utf8'), config, 'no upstream config written');
    } finally {
      state.close();
      repo.cleanup();
    }
  });
});
