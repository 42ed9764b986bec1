import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactoryAsync } from '@factory/testkit';
import { makeHealthyFleet } from './fleet.js';

interface SweepJson {
  repositories: Array<{
    path: string;
    status: string;
    problems: string[];
    git: { inProgress: string | null };
  }>;
}

describe('factory sweep and a working tree stuck in the middle of an operation', () => {
  it('a rebase stopped on conflicts and a merge left uncommitted are unhealthy; a clean clone is not', async () => {
    const fleet = makeHealthyFleet(3);
    try {
      const [rebasing, merging, clean] = fleet.repos as [string, string, string];
      // Setup commits skip the installed gates: they are not what this test is about.
      const git = (dir: string, ...args: string[]) =>
        fleet.git(dir, '-c', 'core.hooksPath=/dev/null', ...args);
      for (const dir of [rebasing, merging]) {
        git(dir, 'switch', '--quiet', '-c', 'other');
        writeFileSync(join(dir, 'README.md'), '# theirs\n');
        writeFileSync(join(dir, 'notes.md'), 'notes\n');
        git(dir, 'add', 'README.md', 'notes.md');
        git(dir, 'commit', '--quiet', '-m', 'theirs');
        git(dir, 'switch', '--quiet', '-');
      }
      writeFileSync(join(rebasing, 'README.md'), '# mine\n');
      git(rebasing, 'commit', '--quiet', '-am', 'mine');
      assert.throws(() => git(rebasing, 'rebase', '--quiet', 'other'), 'the rebase stops on the conflict');
      git(merging, 'merge', '--quiet', '--no-ff', '--no-commit', 'other');

      const run = await runFactoryAsync(['sweep', '--manifest', fleet.manifest, '--json'], {
        env: fleet.env,
      });
      assert.equal(run.status, 1, run.stderr);
      const byPath = new Map((JSON.parse(run.stdout) as SweepJson).repositories.map((r) => [r.path, r]));
      const stuck = byPath.get(rebasing)!;
      assert.equal(stuck.status, 'unhealthy');
      assert.equal(stuck.git.inProgress, 'a rebase');
      assert.ok(
        stuck.problems.includes(
          'stuck in the middle of a rebase with 1 conflicted file: finish it (git status says how) or abort it',
        ),
        stuck.problems.join('; '),
      );
      const merge = byPath.get(merging)!;
      assert.equal(merge.status, 'unhealthy');
      assert.equal(merge.git.inProgress, 'a merge');
      assert.deepEqual(byPath.get(clean)!.problems, []);
      assert.equal(byPath.get(clean)!.status, 'healthy');
    } finally {
      fleet.cleanup();
    }
  });
});
