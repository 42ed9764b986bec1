import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InterruptGuard } from '@factory/gates/gate/snapshot';
import { matchTasks, runCommand, runTasks } from '@factory/gates/gate/tasks';
import { makeTempDir, makeTempRepo } from '@factory/testkit';

describe('task commands', () => {
  it('runs plain words directly, shell syntax through sh, files appended; a missing program is exit 127', async () => {
    const tmp = makeTempDir();
    try {
      const plain = await runCommand('echo one', ['a.py', 'b c.py'], tmp.dir, process.env);
      assert.deepEqual(plain, { code: 0, output: 'one a.py b c.py\n' });
      const shell = await runCommand('echo x && echo "$#"', ['f1', 'f2'], tmp.dir, process.env);
      assert.deepEqual(shell, { code: 0, output: 'x\n2 f1 f2\n' });
      const missing = await runCommand('no-such-tool-factory --fix', ['a'], tmp.dir, process.env);
      assert.equal(missing.code, 127);
      const failing = await runCommand('sh -c "exit 3"', [], tmp.dir, process.env);
      assert.equal(failing.code, 3);
    } finally {
      tmp.cleanup();
    }
  });

  it('matches globs the lint-staged way: no slash matches the name in any folder', () => {
    const groups = matchTasks({ '*.py': 'ruff', 'src/**/*.ts': ['a', 'b'], '*.md': 'x' }, [
      'app.py',
      'pkg/deep/mod.py',
      'src/x/y.ts',
      'other/y.ts',
    ]);
    assert.deepEqual(
      groups.map((g) => [g.glob, g.files]),
      [
        ['*.py', ['app.py', 'pkg/deep/mod.py']],
        ['src/**/*.ts', ['src/x/y.ts']],
      ],
    );
  });

  it("reports the index's tree, computed while the tasks ran, only when they left the index as it was", async () => {
    const repo = makeTempRepo({ files: { 'src/a.py': 'a = 1\n', 'README.md': '# x\n' } });
    const interrupt = new InterruptGuard();
    try {
      repo.write('src/a.py', 'a = 2\n');
      repo.git('add', 'src/a.py');
      const staged = () => [{ path: 'src/a.py', staged: readFileSync(repo.path('src/a.py')) }];
      const group = (command: string) => [{ glob: '*.py', commands: [command], files: ['src/a.py'] }];
      // A checker: the index stays, and its tree is the one git writes for it.
      const checked = await runTasks(repo.dir, group('true'), staged(), interrupt);
      assert.deepEqual(checked.findings, []);
      assert.equal(checked.indexTree, repo.git('write-tree').trim());
      // A fixer: its change is staged, so the tree from before is not reported (the runner computes it).
      const fixed = await runTasks(
        repo.dir,
        group('sh -c \'echo "a = 3" > "$1"\' fixer'),
        staged(),
        interrupt,
      );
      assert.deepEqual(fixed.findings, []);
      assert.equal(fixed.indexTree, undefined);
      assert.equal(repo.git('show', ':src/a.py'), 'a = 3\n');
    } finally {
      interrupt.dispose();
      repo.cleanup();
    }
  });
});
