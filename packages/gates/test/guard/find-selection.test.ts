import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * find's own selection, run read-only at decision time: an action that changes files is refused when the
 * selection holds a control file, one that reads them when it holds a secret file; a selection that cannot
 * be run that way is refused when it would change files.
 */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'src/a.ts': 'export const a = 1;\n',
      'src/b.orig': 'x\n',
      '.husky/pre-commit': 'factory gate pre-commit\n',
      '.env': 'A=1\n',
      'factory.config.json': '{}\n',
    },
  });
});
after(() => repo.cleanup());

function verdict(command: string) {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('find selecting files for an action', () => {
  it('refuses a selection that holds a control file, naming it', () => {
    const result = verdict("find . -name 'factory.*' -exec sed -i s/a/b/ {} +");
    assert.equal(result.decision, 'deny');
    assert.equal(result.rule, 'find-selection');
    assert.match(result.reason ?? '', /factory\.config\.json/);
  });

  it('passes a selection without one', () => {
    for (const command of [
      "find src -name '*.ts' -exec sed -i s/a/b/ {} +",
      "find . -name '*.orig' -delete",
      "find . -name '*.orig' -exec rm {} +",
      "find . -path ./.husky -prune -o -name '*.orig' -exec rm {} +",
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('models -delete turning on -depth, which makes -prune do nothing', () => {
    // With -delete find descends depth-first and -prune no longer keeps it out of .husky.
    const result = verdict("find . -path ./.husky -prune -o -name 'pre-*' -delete");
    assert.equal(result.decision, 'deny');
    assert.match(result.reason ?? '', /\.husky\/pre-commit/);
  });

  it('refuses a reading action over a secret file', () => {
    assert.equal(verdict("find . -name '.env*' -exec cat {} +").decision, 'deny');
    assert.equal(verdict("find src -name '*.ts' -exec cat {} +").decision, 'allow');
  });

  it('refuses what it cannot run read-only', () => {
    for (const command of [
      'find . -name x -exec grep -q y {} \\; -exec rm {} \\;',
      'find . -name "$PATTERN" -delete',
      'cd "$DIR" && find . -name x -exec rm {} +',
    ])
      assert.equal(verdict(command).decision, 'deny', command);
  });

  it('judges what find prints into xargs as the selection of the program xargs runs', () => {
    for (const command of [
      "find . -name 'factory.*' | xargs sed -i s/a/b/",
      "find . -name '.env*' -print0 | xargs -0 cat",
      'find . -name factory.config.json -o -name x | xargs rm',
    ])
      assert.equal(verdict(command).decision, 'deny', command);
    for (const command of ["find . -name '*.orig' | xargs rm", "find src -name '*.ts' | xargs sed -i s/a/b/"])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('judges -fprint FILE as a write of FILE', () => {
    assert.equal(verdict('find . -name x -fprint .husky/pre-commit').decision, 'deny');
    assert.equal(verdict('find . -name x -fprint /tmp/list.txt').decision, 'allow');
  });
});
