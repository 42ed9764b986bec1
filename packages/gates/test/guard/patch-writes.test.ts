import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * Patches and archives that write control files: the paths are read out of the patch (a file, a
 * here-document) or listed from the archive (tar -tf), and a control file among them is refused.
 */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'src/a.ts': 'export const a = 1;\n',
      '.husky/pre-commit': 'factory gate pre-commit\n',
      'hook.patch':
        'diff --git a/.husky/pre-commit b/.husky/pre-commit\n--- a/.husky/pre-commit\n+++ b/.husky/pre-commit\n@@ -1 +1 @@\n-factory gate pre-commit\n+true\n',
      'fix.patch':
        'diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-export const a = 1;\n+export const a = 2;\n',
    },
  });
  // An archive that would overwrite the hook, and one that holds only sources.
  const stage = join(repo.dir, '..', 'stage');
  mkdirSync(join(stage, '.husky'), { recursive: true });
  mkdirSync(join(stage, 'src'), { recursive: true });
  writeFileSync(join(stage, '.husky', 'pre-commit'), 'true\n');
  writeFileSync(join(stage, 'src', 'b.ts'), 'export const b = 1;\n');
  execFileSync('tar', ['-cf', join(repo.dir, 'hooks.tar'), '-C', stage, '.husky']);
  execFileSync('tar', ['-czf', join(repo.dir, 'src.tgz'), '-C', stage, 'src']);
});
after(() => repo.cleanup());

function verdict(command: string) {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('patches and archives that write control files', () => {
  it('refuses a patch file that names a control file, and passes one that does not', () => {
    for (const command of [
      'git apply hook.patch',
      'patch -p1 < hook.patch',
      'git am hook.patch',
      'patch -p1 -i hook.patch',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.equal(result.rule, 'patch-writes', command);
      assert.match(result.reason ?? '', /\.husky\/pre-commit/);
    }
    for (const command of [
      'git apply fix.patch',
      'patch -p1 < fix.patch',
      'git apply --check hook.patch',
      'git apply --stat hook.patch',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('refuses extracting an archive that holds a control file over the project', () => {
    for (const command of ['tar -xf hooks.tar', 'tar xf hooks.tar', 'tar --extract --file=hooks.tar']) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.match(result.reason ?? '', /\.husky/, command);
    }
  });

  it('passes an archive of sources, a listing, and extraction into another folder', () => {
    for (const command of [
      'tar -xzf src.tgz',
      'tar -tf hooks.tar',
      'tar -xf hooks.tar -C /tmp/elsewhere',
      'tar -xOf hooks.tar',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('passes a patch or an archive only known at run time (the sandbox keeps control files read-only)', () => {
    for (const command of [
      'git stash show -p | git apply -R',
      'curl -sL https://example.invalid/x.tgz | tar -xz',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });
});
