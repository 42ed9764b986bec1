import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchTasks, runCommand } from '@factory/gates/gate/tasks';
import { makeTempDir } from '@factory/testkit';

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
});
