import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { stateDbPath } from '@factory/core/paths';
import { StateStore } from '@factory/core/state/store';
import { FOLD_AT, gateInboxDir } from '@factory/gates/state/gate-inbox';
import { countGateFailuresSince, listGateRuns } from '@factory/gates/state/gate-runs';
import { runFactory } from '@factory/testkit';
import { gatedRepo, writeConfig } from '../helpers.js';

/**
 * A gate records its run as a file in the gates' inbox (gates/src/state/gate-inbox.ts) instead of a
 * transaction in state.db; every reader folds the inbox into gate_runs, once, and a read-only reader shows
 * what is pending. Through real commits and the built bin.
 */

const inboxFiles = (dir: string) => {
  const inbox = gateInboxDir(stateDbPath(dir));
  return existsSync(inbox) ? readdirSync(inbox).filter((name) => name.endsWith('.json')) : [];
};

/** Rows in state.db itself, read with SQL (no fold). */
function storedRuns(dir: string): Array<{ gate: string; status: string }> {
  const db = new DatabaseSync(stateDbPath(dir), { readOnly: true });
  try {
    return db.prepare('SELECT gate, status FROM gate_runs ORDER BY id').all() as Array<{
      gate: string;
      status: string;
    }>;
  } finally {
    db.close();
  }
}

describe("the gates' inbox", () => {
  it('takes every run as a file; readers fold it into state.db exactly once, and a read-only one shows it', () => {
    const repo = gatedRepo({ 'README.md': '# x\n', 'a.js': 'export const a = 1;\n' });
    try {
      writeConfig(repo, { extends: 'base', gates: { preCommit: { tasks: { '*.js': 'false' } } } });
      repo.write('a.js', 'export const a = 2;\n');
      repo.git('add', 'a.js');
      // The first run of the clone makes the inbox folder and folds it (state.db gets the fold's schema).
      assert.notEqual(repo.tryGit('commit', '-m', 'two').status, 0, 'the task refuses');
      assert.deepEqual(inboxFiles(repo.dir), []);
      assert.deepEqual(
        storedRuns(repo.dir).map((r) => [r.gate, r.status]),
        [['pre-commit', 'failed']],
      );

      writeConfig(repo, { extends: 'base', gates: { preCommit: { tasks: { '*.js': 'true' } } } });
      assert.equal(repo.tryGit('commit', '-m', 'two').status, 0);
      repo.write('a.js', 'export const a = 3;\n');
      repo.git('add', 'a.js');
      assert.equal(repo.tryGit('commit', '-m', 'three').status, 0);
      // Two runs as files; state.db does not have them yet.
      assert.equal(inboxFiles(repo.dir).length, 2);
      assert.equal(storedRuns(repo.dir).length, 1);

      // `factory gate history` and `factory status` open state.db read-only: the pending runs are shown.
      const history = runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(history.status, 0, history.stderr);
      assert.deepEqual(
        (JSON.parse(history.stdout) as Array<{ gate: string; status: string }>).map((r) => r.status),
        ['passed', 'passed', 'failed'],
      );
      const status = runFactory(['status', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(status.status, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).sections.gateRuns.recent.length, 3);
      assert.equal(inboxFiles(repo.dir).length, 2, 'a read-only reader leaves the inbox as it is');

      // A reader that can write moves them into state.db and empties the inbox.
      const saved = inboxFiles(repo.dir).map((name) => {
        const file = join(gateInboxDir(stateDbPath(repo.dir)), name);
        return [file, readFileSync(file, 'utf8')] as const;
      });
      const store = StateStore.open({ path: stateDbPath(repo.dir) });
      try {
        const runs = listGateRuns(store);
        assert.deepEqual(
          runs.map((r) => r.status),
          ['passed', 'passed', 'failed'],
        );
        assert.ok(runs.every((r) => r.id > 0 && r.gate === 'pre-commit' && r.durationMs >= 0));
        assert.deepEqual(inboxFiles(repo.dir), []);
        assert.equal(storedRuns(repo.dir).length, 3);
        // A fold that died after its commit, before removing its files, leaves them behind: folded again,
        // they record nothing twice.
        for (const [file, text] of saved) writeFileSync(file, text);
        assert.equal(countGateFailuresSince(store, '1970-01-01T00:00:00.000Z'), 1);
        assert.equal(listGateRuns(store).length, 3);
        assert.deepEqual(inboxFiles(repo.dir), []);
      } finally {
        store.close();
      }
      assert.equal(storedRuns(repo.dir).length, 3);
    } finally {
      repo.cleanup();
    }
  });

  it('is folded by the gate itself once it holds too many runs, and by the session start', () => {
    const repo = gatedRepo({ 'README.md': '# x\n' });
    try {
      repo.write('one.md', 'one\n');
      repo.git('add', 'one.md');
      assert.equal(repo.tryGit('commit', '-m', 'one').status, 0);
      const stored = storedRuns(repo.dir).length;
      const inbox = gateInboxDir(stateDbPath(repo.dir));
      // Runs nobody read: the inbox is one run short of the bound, and a half-written record was left
      // by a writer killed before its rename, an hour and more ago.
      for (let i = 0; i < FOLD_AT - 1; i++) {
        const id = `20200101000000000-1-${String(i).padStart(8, '0')}`;
        writeFileSync(
          join(inbox, `${id}.json`),
          JSON.stringify({
            id,
            gate: 'pre-push',
            status: 'passed',
            durationMs: 5,
            startedAt: '2020-01-01T00:00:00.000Z',
            skipped: [],
            checks: [],
          }),
        );
      }
      const stale = join(inbox, '.20200101000000000-2-stale.tmp');
      writeFileSync(stale, '{"id":');
      utimesSync(stale, new Date('2020-01-01'), new Date('2020-01-01'));
      repo.write('two.md', 'two\n');
      repo.git('add', 'two.md');
      assert.equal(repo.tryGit('commit', '-m', 'two').status, 0);
      assert.deepEqual(inboxFiles(repo.dir), []);
      assert.equal(existsSync(stale), false);
      assert.equal(storedRuns(repo.dir).length, stored + FOLD_AT);

      repo.write('three.md', 'three\n');
      repo.git('add', 'three.md');
      assert.equal(repo.tryGit('commit', '-m', 'three').status, 0);
      assert.equal(inboxFiles(repo.dir).length, 1);
      const start = runFactory(['hook', 'session-start'], {
        cwd: repo.dir,
        env: repo.env,
        input: JSON.stringify({ session_id: 's-gates', cwd: repo.dir, hook_event_name: 'SessionStart' }),
      });
      assert.equal(start.status, 0, start.stderr);
      assert.deepEqual(inboxFiles(repo.dir), []);
      assert.equal(storedRuns(repo.dir).length, stored + FOLD_AT + 1);
    } finally {
      repo.cleanup();
    }
  });
});
