import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo } from '@factory/testkit';
import { FactoryError } from '../../src/errors.js';
import { openRepositoryState, recoverRepository } from '../../src/state/repository.js';
import { processState } from '../../src/state/resources.js';

const UNMERGED =
  'kept: branch not merged into HEAD, kept; delete it with git branch -D if its work is not needed';

function sleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
    else child.once('exit', (_code, signal) => resolve(signal));
  });
}

describe('resources: leaks of ended tasks and dead owners are reclaimed', () => {
  it('removes clean worktrees, keeps dirty ones, deletes merged branches only, stops processes, frees ports', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# r\n' } });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const state = openRepositoryState(repo.dir, { clock: () => now });
    const running = sleeper();
    const gone = sleeper();
    gone.kill('SIGKILL');
    await exited(gone);
    try {
      const worktree = (name: string) => {
        const path = join(repo.dir, '..', name);
        repo.git('worktree', 'add', '--quiet', '-b', name, path);
        return path;
      };
      const ended = state.tasks.add({ title: 'ended' }).task;
      const orphan = state.tasks.add({ title: 'owner died' }).task;
      const alive = state.tasks.add({ title: 'owner alive' }).task;
      const unmerged = state.tasks.add({ title: 'ended, branch not merged' }).task;

      // ended: a clean worktree on its branch, a running server process and its port
      state.tasks.claimTask(ended.id, 'agent-1', 60);
      const wtEnded = worktree('wt-ended');
      state.resources.attach(ended.id, 'worktree', wtEnded);
      state.resources.attach(ended.id, 'branch', 'wt-ended');
      state.resources.attach(ended.id, 'pid', String(running.pid));
      state.resources.attach(ended.id, 'port', '4173');
      state.tasks.move(ended.id, 'abandon', { actor: 'agent-1' });

      // owner died: its lease runs out with uncommitted work in the worktree, and a process already gone
      state.tasks.claimTask(orphan.id, 'agent-2', 10);
      const wtOrphan = worktree('wt-orphan');
      writeFileSync(join(wtOrphan, 'work.txt'), 'not committed yet\n');
      state.resources.attach(orphan.id, 'worktree', wtOrphan);
      state.resources.attach(orphan.id, 'branch', 'wt-orphan');
      state.resources.attach(orphan.id, 'pid', String(gone.pid));

      // alive: holds its lease; nothing of it is touched
      state.tasks.claimTask(alive.id, 'agent-3', 3600);
      const wtAlive = worktree('wt-alive');
      state.resources.attach(alive.id, 'worktree', wtAlive);
      state.resources.attach(alive.id, 'port', '4174');

      // ended, but its branch carries a commit that was never merged
      const wtUnmerged = worktree('wt-unmerged');
      writeFileSync(join(wtUnmerged, 'feature.txt'), 'feature\n');
      repo.git('-C', wtUnmerged, 'add', 'feature.txt');
      repo.git('-C', wtUnmerged, 'commit', '--quiet', '-m', 'feature');
      repo.git('worktree', 'remove', wtUnmerged);
      state.resources.attach(unmerged.id, 'branch', 'wt-unmerged');
      state.tasks.move(unmerged.id, 'abandon', { actor: 'someone' });

      // A live port belongs to one task only.
      assert.throws(
        () => state.resources.attach(orphan.id, 'port', '4174'),
        (error) =>
          error instanceof FactoryError &&
          error.exitCode === 1 &&
          /port 4174 is already held by task 3/.test(error.message),
      );

      now += 11_000;
      const report = recoverRepository(state);
      assert.deepEqual(
        report.expired.map((e) => [e.taskId, e.owner]),
        [[orphan.id, 'agent-2']],
      );
      const outcome = Object.fromEntries(
        report.resources.map((r) => [
          `${r.resource.taskId}:${r.resource.kind}:${r.resource.value.split('/').pop()}`,
          `${r.action}: ${r.outcome}`,
        ]),
      );
      assert.deepEqual(outcome, {
        [`${ended.id}:worktree:wt-ended`]: 'released: worktree removed',
        [`${ended.id}:branch:wt-ended`]: 'released: merged branch deleted',
        [`${ended.id}:pid:${running.pid}`]: 'released: process terminated (SIGTERM)',
        [`${ended.id}:port:4173`]: 'released: port freed',
        [`${orphan.id}:worktree:wt-orphan`]:
          'kept: uncommitted work in 1 file(s); commit or discard it, then recover again',
        [`${orphan.id}:pid:${gone.pid}`]: 'released: process had exited',
        [`${unmerged.id}:branch:wt-unmerged`]: UNMERGED,
      });

      // What the report says is what happened, on disk and in git.
      assert.equal(existsSync(wtEnded), false);
      assert.equal(repo.tryGit('rev-parse', '--verify', '--quiet', 'refs/heads/wt-ended').status, 1);
      assert.equal(await exited(running), 'SIGTERM');
      assert.equal(processState(running.pid!), 'dead');
      assert.equal(existsSync(join(wtOrphan, 'work.txt')), true, 'uncommitted work was deleted');
      assert.equal(repo.git('rev-parse', '--verify', '--quiet', 'refs/heads/wt-orphan').trim().length, 40);
      assert.equal(existsSync(wtAlive), true);
      assert.equal(repo.git('rev-parse', '--verify', '--quiet', 'refs/heads/wt-unmerged').trim().length, 40);

      // Still held: the dirty worktree (with why), the orphan's branch (its work goes on), the live task's things.
      const live = state.resources
        .list(undefined, true)
        .map((r) => `${r.taskId}:${r.kind}:${r.outcome ?? ''}`);
      assert.deepEqual(live, [
        `${orphan.id}:worktree:uncommitted work in 1 file(s); commit or discard it, then recover again`,
        `${orphan.id}:branch:`,
        `${alive.id}:worktree:`,
        `${alive.id}:port:`,
        `${unmerged.id}:branch:${UNMERGED.slice('kept: '.length)}`,
      ]);

      // Once the work is committed, the next recovery removes the worktree.
      repo.git('-C', wtOrphan, 'add', 'work.txt');
      repo.git('-C', wtOrphan, 'commit', '--quiet', '-m', 'save the work');
      const second = recoverRepository(state);
      assert.deepEqual(
        second.resources.map((r) => `${r.resource.kind}:${r.action}: ${r.outcome}`),
        ['worktree:released: worktree removed', `branch:${UNMERGED}`],
      );
      assert.equal(existsSync(wtOrphan), false);
    } finally {
      running.kill('SIGKILL');
      state.close();
      repo.cleanup();
    }
  });
});
