import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { stateDbPath } from '@factory/core/paths';
import { StateStore } from '@factory/core/state/store';
import { listGuardDecisions } from '@factory/gates/state/guard-decisions';
import { guardInboxDir, noAllowancesMark } from '@factory/gates/state/guard-inbox';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/**
 * The hook records a refusal as a file in the guard's inbox instead of a transaction in state.db
 * (gates/src/state/guard-inbox.ts), unless an allowance could let the call through; every reader folds the
 * inbox into state.db, once, and a read-only reader shows what is pending. Through the built bin.
 */

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
});
after(() => repo.cleanup());

function hook(command: string): string {
  const result = runFactory(['hook', 'pre-tool-use'], {
    cwd: repo.dir,
    env: repo.env,
    input: JSON.stringify({
      session_id: 's-inbox',
      cwd: repo.dir,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command },
    }),
  });
  assert.equal(result.status, 0, result.stderr);
  const text = result.stdout.trim();
  return text ? (JSON.parse(text).hookSpecificOutput.permissionDecision as string) : 'allow';
}

const inboxFiles = () => {
  const dir = guardInboxDir(stateDbPath(repo.dir));
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
};

/** Rows in state.db itself, read with SQL (no fold). */
function storedRules(): string[] {
  const db = new DatabaseSync(stateDbPath(repo.dir), { readOnly: true });
  try {
    return (db.prepare('SELECT rule FROM guard_decisions ORDER BY id').all() as Array<{ rule: string }>).map(
      (row) => row.rule,
    );
  } finally {
    db.close();
  }
}

describe("the guard's inbox", () => {
  it('takes a refusal as a file; readers fold it into state.db exactly once', () => {
    // The first refusal goes through state.db: it finds no live allowance and says so.
    assert.equal(hook('git reset --hard'), 'deny');
    assert.ok(existsSync(noAllowancesMark(stateDbPath(repo.dir))));
    assert.deepEqual(inboxFiles(), []);
    // The next ones are files: state.db does not have them yet.
    assert.equal(hook('git clean -fdx'), 'deny');
    assert.equal(hook('git push --force origin main'), 'deny');
    assert.equal(inboxFiles().length, 2);
    assert.deepEqual(storedRules(), ['reset-hard']);
    // `factory guard log` opens state.db read-only: it shows the pending refusals, newest first.
    const log = runFactory(['guard', 'log', '--json'], { cwd: repo.dir, env: repo.env });
    assert.equal(log.status, 0, log.stderr);
    const shown = JSON.parse(log.stdout) as Array<{ rule: string; sessionId: string; reason: string }>;
    assert.deepEqual(
      shown.map((row) => row.rule),
      ['force-push', 'clean-force', 'reset-hard'],
    );
    assert.ok(shown.every((row) => row.sessionId === 's-inbox' && row.reason.length > 0));
    // A reader that can write moves them into state.db and empties the inbox.
    const saved = inboxFiles().map((name) => {
      const file = join(guardInboxDir(stateDbPath(repo.dir)), name);
      return [file, readFileSync(file, 'utf8')] as const;
    });
    const store = StateStore.open({ path: stateDbPath(repo.dir) });
    try {
      assert.equal(listGuardDecisions(store).length, 3);
      assert.deepEqual(inboxFiles(), []);
      assert.equal(storedRules().length, 3);
      // A fold that died after its commit, before removing its files, leaves them behind: folded again,
      // they record nothing twice.
      for (const [file, text] of saved) writeFileSync(file, text);
      assert.equal(listGuardDecisions(store).length, 3);
      assert.deepEqual(inboxFiles(), []);
    } finally {
      store.close();
    }
    assert.deepEqual(storedRules().sort(), ['clean-force', 'force-push', 'reset-hard']);
  });

  it('is folded at every session start, so it holds about one session of refusals', () => {
    assert.equal(hook('git clean -fdx'), 'deny');
    assert.ok(inboxFiles().length > 0);
    const start = runFactory(['hook', 'session-start'], {
      cwd: repo.dir,
      env: repo.env,
      input: JSON.stringify({ session_id: 's-next', cwd: repo.dir, hook_event_name: 'SessionStart' }),
    });
    assert.equal(start.status, 0, start.stderr);
    assert.deepEqual(inboxFiles(), []);
    assert.equal(storedRules().at(-1), 'clean-force');
  });

  it('goes through state.db while an allowance is live, and spends it', () => {
    const mark = noAllowancesMark(stateDbPath(repo.dir));
    const granted = runFactory(['guard', 'allow', '--rule', 'reset-hard', '--reason', 'reset the demo'], {
      cwd: repo.dir,
      env: repo.env,
    });
    assert.equal(granted.status, 0, granted.stderr);
    assert.equal(existsSync(mark), false, 'a live allowance removes the mark');
    const before = storedRules().length;
    // The allowance covers this refusal: spent, recorded in state.db, the call goes on.
    assert.equal(hook('git reset --hard'), 'allow');
    assert.equal(storedRules().length, before + 1);
    assert.ok(existsSync(mark), 'no allowance is live any more');
    assert.equal(hook('git reset --hard'), 'deny');
    assert.equal(inboxFiles().length, 1);
  });
});
