import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo, gitWith, head, standIn, writeConfig } from '../helpers.js';

/** The gate's memory of its last clean setup check (gate/checked-setup.ts), when there is one. */
function checkedSetup(repo: TempRepo): boolean {
  return readdirSync(repo.path('.factory')).some((name) => /^checked-setup-[0-9a-f]+\.json$/.test(name));
}

// What a commit no longer pays for, and that it still gets the same verdicts: factory's own dispatch in
// .husky/_ (no husky h), the staged diff piped in by the hook, the setup check done once per content, the
// tree id computed from the index, task output through a file.
describe('the hooks’ fast paths keep every verdict', () => {
  it('the hook in .husky/_ is factory’s dispatch: it runs the gate, honours HUSKY=0 and husky’s init.sh', () => {
    const repo = gatedRepo({ 'a.js': 'one\n' });
    try {
      const dispatch = readFileSync(repo.path('.husky/_/pre-commit'), 'utf8');
      assert.doesNotMatch(dispatch, /\/h"/, 'husky’s h is not sourced');
      assert.match(dispatch, /husky\/init\.sh/);
      // A tool that only ~/.config/husky/init.sh puts on PATH (as nvm users do) is found by the task.
      const bin = join(repo.home, 'tools');
      const log = standIn(bin, 'lint-it');
      mkdirSync(join(repo.home, '.config', 'husky'), { recursive: true });
      writeFileSync(join(repo.home, '.config', 'husky', 'init.sh'), `export PATH="${bin}:$PATH"\n`);
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': 'lint-it' } } } });
      repo.write('a.js', 'two\n');
      repo.git('add', 'a.js');
      const env = { ...repo.env, XDG_CONFIG_HOME: join(repo.home, '.config') };
      const committed = gitWith(repo, env, 'commit', '-q', '-m', 'through the dispatch');
      assert.equal(committed.status, 0, committed.stderr);
      assert.match(readFileSync(log, 'utf8'), /lint-it .*a\.js/);

      // HUSKY=0 skips the hooks as husky does; the reference-transaction hook still refuses the commit.
      repo.write('a.js', 'three\n');
      repo.git('add', 'a.js');
      const before = head(repo);
      const skipped = gitWith(repo, { ...env, HUSKY: '0' }, 'commit', '-q', '-m', 'hooks off');
      assert.notEqual(skipped.status, 0);
      assert.match(skipped.stderr, /never passed the pre-commit gate/);
      assert.equal(head(repo), before);
    } finally {
      repo.cleanup();
    }
  });

  it('a staged diff that did not come whole through the pipe is taken from git: the secret is found', () => {
    const repo = gatedRepo({ 'a.js': 'one\n' });
    try {
      repo.write('k.js', `const t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`);
      repo.git('add', 'k.js');
      for (const input of ['', ':100644 100644 0000 0000 M\0a.js\0']) {
        const gate = runFactory(['gate', 'pre-commit', '--staged-from-stdin'], {
          cwd: repo.dir,
          env: repo.env,
          input,
        });
        assert.equal(gate.status, 1, gate.stderr);
        assert.match(gate.stderr, /secrets {2}k\.js:1/);
      }
    } finally {
      repo.cleanup();
    }
  });

  it('the setup check is remembered while its inputs stay as they were, and redone when one changes', () => {
    const repo = gatedRepo({ 'a.js': 'one\n' });
    try {
      repo.write('a.js', 'two\n');
      repo.git('add', 'a.js');
      assert.equal(repo.tryGit('commit', '-q', '-m', 'first').status, 0);
      assert.ok(checkedSetup(repo), 'a clean check is remembered');
      // Each of these is an input of the tamper check or the config: the memory no longer holds.
      const changes: Array<[string, () => void]> = [
        ['a hook script', () => repo.write('.husky/pre-commit', `${repo.read('.husky/pre-commit')}\n`)],
        ['a new file among the hooks', () => repo.write('.husky/_/post-merge', '#!/bin/sh\n')],
        ['a config that would now be found first', () => repo.write('.factoryrc.json', '{}\n')],
        ['the git config', () => repo.git('config', 'core.pager', 'cat')],
        ['the config', () => repo.write('factory.config.json', '{ "extends": "base" }\n')],
      ];
      for (const [what, change] of changes) {
        assert.equal(runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env }).status, 0);
        repo.write('a.js', `${what}\n`);
        repo.git('add', 'a.js');
        assert.equal(repo.tryGit('commit', '-q', '-m', what).status, 0, what);
        change();
        const refused = repo.tryGit('commit', '-q', '--allow-empty', '-m', `after ${what}`);
        assert.notEqual(refused.status, 0, `the tamper check runs again after: ${what}`);
        assert.match(refused.stderr, /control files differ|refused/);
        for (const leftover of ['.husky/_/post-merge', '.factoryrc.json']) {
          spawnSync('rm', ['-f', repo.path(leftover)]);
        }
      }
    } finally {
      repo.cleanup();
    }
  });

  it('a failing task’s output is reported in the order it was written, and no output file is left', () => {
    const repo = gatedRepo({ 'a.js': 'one\n' });
    try {
      const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('factory-task-')));
      writeConfig(repo, {
        gates: { preCommit: { tasks: { '*.js': 'echo first; echo second >&2; echo third; exit 3' } } },
      });
      repo.write('a.js', 'two\n');
      repo.git('add', 'a.js');
      const result = repo.tryGit('commit', '-q', '-m', 'x');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /first\nsecond\nthird\n/);
      assert.match(result.stderr, /failed \(exit 3\)/);
      const after = readdirSync(tmpdir()).filter((name) => name.startsWith('factory-task-'));
      assert.deepEqual(
        after.filter((name) => !before.has(name)),
        [],
      );
    } finally {
      repo.cleanup();
    }
  });

  it('the reference-transaction hook lets the commit the gate passed through, with or without its last-tree note', () => {
    const repo = gatedRepo({ 'a.js': 'one\n' });
    try {
      repo.write('a.js', 'two\n');
      repo.git('add', 'a.js');
      assert.equal(repo.tryGit('commit', '-q', '-m', 'noted').status, 0);
      const tree = repo.git('rev-parse', 'HEAD^{tree}').trim();
      assert.equal(readFileSync(repo.path('.factory/passed-tree-last'), 'utf8'), `${tree}\n`);
      assert.match(readFileSync(repo.path('.factory/passed-trees'), 'utf8'), new RegExp(`^${tree}$`, 'm'));
      // Another worktree's commit overwrote the note: the hook's grep of passed-trees decides.
      writeFileSync(repo.path('.factory/passed-tree-last'), `${'0'.repeat(40)}\n`);
      repo.git('commit', '-q', '--amend', '-m', 'reworded');
      assert.equal(repo.git('rev-parse', 'HEAD^{tree}').trim(), tree);
    } finally {
      repo.cleanup();
    }
  });
});
