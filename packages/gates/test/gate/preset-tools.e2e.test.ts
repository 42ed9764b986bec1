import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';
import { gitWith, initFactory, standIn, writeConfig } from '../helpers.js';

function doctorIds(cwd: string, env: NodeJS.ProcessEnv) {
  const result = runFactory(['doctor', '--json'], { cwd, env });
  return JSON.parse(result.stdout).findings as Array<{ id: string; problem: string; fix: string }>;
}

describe('preset tools', () => {
  it('a missing tool is a finding of init and doctor, not a refused commit; tools in .venv/bin run; a task can be removed', () => {
    const repo = makeTempRepo({ files: { 'pyproject.toml': '[project]\nname = "app"\n' } });
    try {
      // No ruff, ty or tach anywhere (PATH has only the system folders and node).
      const env = { ...repo.env, PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` };
      const init = initFactory(repo, [], env);
      assert.equal(init.status, 0, init.stderr);
      assert.match(
        init.stdout,
        /ruff \(gates\.preCommit\.tasks\["\*\.\{py,pyi\}"\]\) is not installed .*it is optional/,
      );
      const missing = doctorIds(repo.dir, env).filter((f) => f.id === 'toolMissing');
      assert.deepEqual(
        missing.map((f) => f.problem.split(' ')[0]),
        ['ruff', 'ty', 'tach'],
      );
      assert.match(missing[0]?.fix ?? '', /install ruff .* or remove it from factory\.config\.json/);

      repo.write('app.py', 'print("hi")\n');
      repo.git('add', 'app.py');
      const commit = gitWith(repo, env, 'commit', '-m', 'app');
      assert.equal(commit.status, 0, commit.stderr);
      assert.match(
        commit.stderr,
        /skipped the optional task "ruff check --fix && ruff format" \(\*\.\{py,pyi\}\): ruff is not installed/,
      );

      // The project's virtualenv: found there, no PATH change needed.
      const venv = repo.path('.venv/bin');
      const log = standIn(venv, 'ruff');
      standIn(venv, 'ty');
      standIn(venv, 'tach');
      assert.deepEqual(
        doctorIds(repo.dir, env).filter((f) => f.id === 'toolMissing'),
        [],
      );
      repo.write('app.py', 'print("hello")\n');
      repo.git('add', 'app.py');
      assert.equal(gitWith(repo, env, 'commit', '-m', 'again').status, 0);
      assert.match(readFileSync(log, 'utf8'), /^ruff check --fix .*app\.py\nruff format .*app\.py\n$/);

      // A task removed in the config (null) no longer runs.
      writeConfig(repo, {
        ...JSON.parse(repo.read('factory.config.json')),
        gates: { preCommit: { tasks: { '*.{py,pyi}': null } } },
      });
      repo.write('app.py', 'print("bye")\n');
      repo.git('add', 'app.py');
      const before = readFileSync(log, 'utf8');
      assert.equal(gitWith(repo, env, 'commit', '-m', 'no ruff').status, 0);
      assert.equal(readFileSync(log, 'utf8'), before);
      assert.ok(existsSync(log));
    } finally {
      repo.cleanup();
    }
  });
});
