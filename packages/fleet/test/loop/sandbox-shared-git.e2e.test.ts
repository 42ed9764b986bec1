import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { controlPlaces } from '@factory/core/config/control-files';
import { worktreePath } from '../../src/loop/workspace.js';
import { makeLoopFleet } from './fixture.js';

/**
 * A loop session runs in a linked worktree, whose control places under `.git/` are in the repository's
 * shared git folder. Claude Code's sandbox (bubblewrap) denies a write to a path that does not exist by
 * mounting over it, and the mount point it makes is a real file or folder in that shared folder for as long
 * as each sandboxed command runs. Every other process of the repository sees it meanwhile: the gates of
 * another worktree took a `.git/factory-hooks.config` that appeared as tamper and refused its push, and
 * another session's sandbox bound the path and failed to start its command when it vanished
 * ("bwrap: Can't get type of source .../.git/factory-hooks"), so the loop's spanning task lost a commit.
 * While a sandboxed command runs, no control place appears in the shared git folder, and another
 * worktree's push passes its gate.
 */
it("a sandboxed session's command leaves the shared git folder's control places alone while it runs", async () => {
  const fleet = await makeLoopFleet(['gamma']);
  try {
    const gamma = fleet.repos.gamma!;
    const branch = 'factory/gamma-1-slow-change';
    const sessionWorktree = worktreePath(gamma, branch);
    fleet.scripts.push({
      match: 'SLOW-CHANGE',
      script: {
        turns: [
          {
            toolCalls: [
              {
                name: 'Bash',
                input: {
                  command: `printf 'slow\\n' > slow.txt && sleep 6 && git add slow.txt && git commit -q -m 'docs: slow'`,
                  description: 'A slow change',
                },
              },
            ],
          },
        ],
        finalText: 'Done.',
      },
    });
    const added = await fleet.factory(['task', 'add', 'Slow change', '--prompt', 'SLOW-CHANGE: go'], gamma);
    assert.equal(added.status, 0, added.stderr);
    // Another worktree of the repository with a commit of its own, to push while the session's command runs.
    const other = join(fleet.root, 'other-worktree');
    fleet.git(gamma, 'worktree', 'add', '--quiet', '-b', 'other', other);
    fleet.git(other, 'commit', '--quiet', '--allow-empty', '-m', 'docs: other');

    const common = join(gamma, '.git');
    const gitPlaces = controlPlaces
      .filter((place) => place.path.startsWith('.git/'))
      .map((place) => place.path.slice('.git/'.length));
    // Claude Code's sandbox itself denies config.worktree in every git folder (beside config.lock, remotes
    // and more): that mount point is its own, and holds no git config value (an empty file).
    const absentBefore = gitPlaces.filter(
      (name) => name !== 'config.worktree' && !existsSync(join(common, name)),
    );
    assert.ok(absentBefore.includes('factory-hooks.config'), absentBefore.join(' '));

    const work = fleet.factory(['work', '1'], gamma);
    const appeared = new Set<string>();
    let push: { status: number | null; stderr: string } | undefined;
    let settled = false;
    void work.then(() => {
      settled = true;
    });
    while (!settled) {
      for (const name of readdirSync(common)) if (absentBefore.includes(name)) appeared.add(name);
      // The session's command is running once its file is there (it sleeps before it commits).
      if (!push && existsSync(join(sessionWorktree, 'slow.txt'))) {
        const pushed = spawnSync('git', ['push', '--quiet', 'origin', 'HEAD:refs/heads/other'], {
          cwd: other,
          env: fleet.env,
          encoding: 'utf8',
        });
        push = { status: pushed.status, stderr: pushed.stderr };
        for (const name of readdirSync(common)) if (absentBefore.includes(name)) appeared.add(name);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const result = await work;
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.ok(push, 'the push ran while the session command ran');
    assert.equal(push.status, 0, push.stderr);
    assert.deepEqual([...appeared], [], 'control places that appeared in the shared git folder');
    assert.equal(fleet.git(fleet.bares.gamma!, 'log', '-1', '--format=%s', 'other').trim(), 'docs: other');
  } finally {
    await fleet.close();
  }
});
