import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatedRepo, head, workState, writeConfig } from '../helpers.js';

describe('a task that writes the index and fails', () => {
  for (const add of ['git add -A', 'git add notes.txt untracked.txt']) {
    for (const partial of [false, true]) {
      it(`"${add}; exit 1" (${partial ? 'partially' : 'fully'} staged) leaves the index as it was`, () => {
        const repo = gatedRepo({ 'a.js': 'one\n', 'notes.txt': 'notes\n' });
        try {
          writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': `${add}; exit 1; :` } } } });
          repo.write('a.js', 'two\n');
          repo.git('add', 'a.js');
          if (partial) repo.write('a.js', 'two\nunstaged\n');
          repo.write('notes.txt', 'notes\nunstaged\n');
          repo.write('untracked.txt', 'untracked\n');
          const state = workState(repo);
          const before = head(repo);
          const result = repo.tryGit('commit', '-m', 'x');
          assert.notEqual(result.status, 0);
          assert.equal(head(repo), before);
          assert.equal(workState(repo), state, 'index and working tree as before the commit');
          assert.equal(repo.git('diff', '--cached', '--name-only'), 'a.js\n');
        } finally {
          repo.cleanup();
        }
      });
    }
  }
});
