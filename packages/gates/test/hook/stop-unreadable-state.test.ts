import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** A repository whose state says: this session claimed a task it has not finished (the Stop hook blocks). */
function repoWithOpenTask(): TempRepo {
  const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
  const state = openRepositoryState(repo.dir);
  try {
    const { task } = state.tasks.add({ title: 'add the parser' });
    state.tasks.claimTask(task.id, 'claude-sess-1', 900);
    state.tasks.move(task.id, 'start', { actor: 'claude-sess-1' });
  } finally {
    state.close();
  }
  return repo;
}

function stop(repo: TempRepo, active: boolean) {
  const input = JSON.stringify({
    session_id: 'sess-1',
    cwd: repo.dir,
    hook_event_name: 'Stop',
    stop_hook_active: active,
  });
  return runFactory(['hook', 'stop'], { cwd: repo.dir, env: repo.env, input });
}

const db = (repo: TempRepo) => repo.path('.factory', 'state.db');

const breakages: Record<string, { break: (repo: TempRepo) => void; repair?: (repo: TempRepo) => void }> = {
  corrupt: { break: (repo) => writeFileSync(db(repo), Buffer.alloc(8192, 0x5a)) },
  'newer schema': {
    break: (repo) => {
      const raw = new DatabaseSync(db(repo));
      raw.exec('PRAGMA user_version = 999');
      raw.close();
    },
  },
  'read-only (immutable file and folder)': {
    break: (repo) => {
      rmSync(`${db(repo)}-wal`, { force: true });
      rmSync(`${db(repo)}-shm`, { force: true });
      spawnSync('chattr', ['+i', db(repo), repo.path('.factory')]);
    },
    repair: (repo) => {
      spawnSync('chattr', ['-i', db(repo), repo.path('.factory')]);
    },
  },
  'disk full (its write-ahead log on /dev/full)': {
    break: (repo) => {
      rmSync(`${db(repo)}-wal`, { force: true });
      symlinkSync('/dev/full', `${db(repo)}-wal`);
    },
  },
};

describe('the Stop hook with a state database it cannot use', () => {
  it('blocks with a healthy database (the baseline the cases below break)', () => {
    const repo = repoWithOpenTask();
    try {
      const result = stop(repo, false);
      assert.equal(result.status, 0);
      assert.match(result.stdout, /"decision":"block"/);
    } finally {
      repo.cleanup();
    }
  });

  for (const [name, how] of Object.entries(breakages)) {
    for (const active of [false, true]) {
      it(`${name}, stop_hook_active ${active}: the session may stop, and stderr says why`, () => {
        const repo = repoWithOpenTask();
        try {
          how.break(repo);
          for (let attempt = 0; attempt < 2; attempt++) {
            const result = stop(repo, active);
            assert.equal(result.status, 0, `exit 0, not a blocking error: ${result.stderr}`);
            assert.equal(result.stdout.trim(), '', 'no block decision');
            assert.match(result.stderr, /state\.db/);
            assert.match(result.stderr, /letting the session stop/);
          }
        } finally {
          how.repair?.(repo);
          repo.cleanup();
        }
      });
    }
  }
});
