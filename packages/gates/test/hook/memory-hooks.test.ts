import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StateStore, stateDbPath } from '@factory/core';
import { routeHook } from '@factory/gates/hook/router';
import { addMemory, listMemory } from '@factory/gates/state/memory';
import { makeTempRepo } from '@factory/testkit';

function seed(dir: string) {
  const store = StateStore.open({ path: stateDbPath(dir) });
  try {
    addMemory(store, { text: 'Use npm run migrate for schema changes.', tags: ['database'] });
    addMemory(store, { text: 'Payments code calls the sandbox in tests.', paths: ['src/payments/**'] });
  } finally {
    store.close();
  }
}

const context = (cwd: string) => ({ cwd, env: { ...process.env, FACTORY_MEMORY_BUDGET: '' } });

describe('memory hooks', () => {
  it('session-start adds the memory, entries about changed files first', async () => {
    const repo = makeTempRepo({ files: { 'src/payments/charge.ts': 'x\n' } });
    try {
      seed(repo.dir);
      writeFileSync(repo.path('src/payments/charge.ts'), 'changed\n');
      const answer = await routeHook(
        'session-start',
        JSON.stringify({ cwd: repo.dir, source: 'startup' }),
        context(repo.dir),
      );
      assert.equal(answer.exitCode, 0);
      const out = JSON.parse(answer.stdout).hookSpecificOutput;
      assert.equal(out.hookEventName, 'SessionStart');
      const lines = out.additionalContext.split('\n');
      assert.match(lines[1], /Payments code/);
      assert.match(lines[2], /npm run migrate/);
    } finally {
      repo.cleanup();
    }
  });

  it('user-prompt-submit adds only what matches the prompt, and nothing when nothing matches', async () => {
    const repo = makeTempRepo();
    try {
      seed(repo.dir);
      const ask = (prompt: string) =>
        routeHook('user-prompt-submit', JSON.stringify({ cwd: repo.dir, prompt }), context(repo.dir));
      const hit = JSON.parse((await ask('add an index to the database')).stdout).hookSpecificOutput;
      assert.equal(hit.hookEventName, 'UserPromptSubmit');
      assert.match(hit.additionalContext, /npm run migrate/);
      assert.doesNotMatch(hit.additionalContext, /Payments/);
      assert.deepEqual(await ask('rename a variable'), { stdout: '', stderr: '', exitCode: 0 });
      // A prompt match counts as a use (it ranks the entry higher at the next session start); a session
      // start does not, or the entries always shown would rank higher for being shown.
      await routeHook('session-start', JSON.stringify({ cwd: repo.dir }), context(repo.dir));
      const store = StateStore.open({ path: stateDbPath(repo.dir) });
      try {
        assert.deepEqual(
          listMemory(store).map((e) => e.uses),
          [1, 0],
        );
      } finally {
        store.close();
      }
    } finally {
      repo.cleanup();
    }
  });

  it('a repository without state gets no output and no state database is created', async () => {
    const repo = makeTempRepo();
    try {
      const answer = await routeHook('session-start', JSON.stringify({ cwd: repo.dir }), context(repo.dir));
      assert.deepEqual(answer, { stdout: '', stderr: '', exitCode: 0 });
      assert.equal(existsSync(stateDbPath(repo.dir)), false);
    } finally {
      repo.cleanup();
    }
  });

  it('a broken state database does not block the prompt: a warning on stderr, exit 0', async () => {
    const repo = makeTempRepo();
    try {
      repo.write(
        '.factory/state.db',
        'this is not a database, it is text long enough to be read as a header.....',
      );
      const answer = await routeHook(
        'user-prompt-submit',
        JSON.stringify({ cwd: repo.dir, prompt: 'database' }),
        context(repo.dir),
      );
      assert.equal(answer.exitCode, 0);
      assert.equal(answer.stdout, '');
      assert.match(
        answer.stderr,
        /factory memory was not added to the context \(.*not a factory state database/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
