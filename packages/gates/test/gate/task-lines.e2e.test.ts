import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatedRepo, head, workState, writeConfig } from '../helpers.js';

// One runner: a task line means the same whether its files are fully or partially staged.
describe('task lines run through the shell, whatever the staging', () => {
  for (const line of ['echo checking; false', 'true && false']) {
    for (const partial of [false, true]) {
      it(`"${line}" refuses a ${partial ? 'partially' : 'fully'} staged file and changes nothing`, () => {
        const repo = gatedRepo({ 'a.js': 'one\n' });
        try {
          writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': line } } } });
          repo.write('a.js', 'two\n');
          repo.git('add', 'a.js');
          if (partial) repo.write('a.js', 'two\nunstaged\n');
          const state = workState(repo);
          const before = head(repo);
          const result = repo.tryGit('commit', '-m', 'x');
          assert.notEqual(result.status, 0, 'the task failed: the commit is refused');
          assert.match(result.stderr, /tasks {2}a\.js: the task .* failed \(exit 1\)/);
          assert.equal(head(repo), before);
          assert.equal(workState(repo), state);
        } finally {
          repo.cleanup();
        }
      });
    }
  }
});
