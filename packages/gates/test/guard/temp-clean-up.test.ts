import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * Scratch clean-up in the temp folder (recursive-delete): a folder strictly inside it that holds no
 * repository and nothing of the project's passes; the temp folder itself, globs, `..`, links out of it,
 * repositories (a clone, a bare remote) and the neighbours of a project that lives in the temp folder are
 * refused. Real folders on disk, since the rule looks at them.
 */

let repo: TempRepo;
let scratch: string;
before(() => {
  repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'factory-scratch-')));
  mkdirSync(join(scratch, 'build', 'deep'), { recursive: true });
  writeFileSync(join(scratch, 'build', 'deep', 'out.o'), 'x');
  execFileSync('git', ['init', '--quiet', '--bare', join(scratch, 'remote.git')]);
  execFileSync('git', ['init', '--quiet', join(scratch, 'clone')]);
  mkdirSync(join(scratch, 'clone', 'src'));
  symlinkSync(repo.home, join(scratch, 'to-home'));
  mkdirSync(join(scratch, 'big'));
  for (let i = 0; i < 4100; i++) writeFileSync(join(scratch, 'big', `f${i}`), '');
});
after(() => {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function decision(command: string): string {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  ).decision;
}

describe('recursive deletion in the temp folder', () => {
  it('passes scratch folders strictly inside it', () => {
    for (const command of [
      `rm -rf ${scratch}/build`,
      `rm -rf ${scratch}/build/deep`,
      `rm -rf ${scratch}/not-there-yet`,
      `find ${scratch}/build -name '*.o' -delete`,
      `find ${scratch}/build -type f | xargs rm -rf`,
      'rm -rf $TMPDIR/factory-scratch-that-does-not-exist',
    ])
      assert.equal(decision(command), 'allow', command);
  });

  it('refuses the temp folder itself, globs, .. and links out of it', () => {
    for (const command of [
      'rm -rf /tmp',
      'rm -rf /tmp/',
      'rm -rf $TMPDIR',
      'rm -rf /tmp/*',
      `rm -rf ${scratch}/*/deep/..`,
      `rm -rf ${scratch}/build/../build`,
      `find ${scratch}/bu* -delete`,
      'find /var/tmp -delete',
      `rm -rf ${scratch}/to-home`,
    ])
      assert.equal(decision(command), 'deny', command);
  });

  it('refuses repositories under the temp folder and folders that hold one', () => {
    for (const command of [
      `rm -rf ${scratch}/remote.git`,
      `rm -rf ${scratch}/clone`,
      `rm -rf ${scratch}/clone/src`,
      `rm -rf ${scratch}`,
      `find ${scratch}/clone -name '*.ts' -delete`,
    ])
      assert.equal(decision(command), 'deny', command);
  });

  it('refuses a folder too big to look through', () => {
    assert.equal(decision(`rm -rf ${scratch}/big`), 'deny');
  });

  it('refuses the neighbours of a project that lives in the temp folder, and the project', () => {
    const parent = join(repo.dir, '..');
    for (const command of [
      `rm -rf ${parent}`,
      `rm -rf ${join(parent, 'sibling')}`,
      `rm -rf ${join(repo.home, '.ssh')}`,
      'rm -rf ../sibling',
    ])
      assert.equal(decision(command), 'deny', command);
  });
});
