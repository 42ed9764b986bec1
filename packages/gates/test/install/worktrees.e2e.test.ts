import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';
import { gitWith, initFactory } from '../helpers.js';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

describe('worktrees', () => {
  it('personal mode: a new worktree is gated, guarded and configured like the main one, and shares one state store', () => {
    const repo = makeTempRepo({ files: { 'package.json': '{ "name": "app" }\n' } });
    try {
      const early = join(repo.home, 'early');
      repo.git('worktree', 'add', '-q', '-b', 'early', early);
      const init = initFactory(repo);
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /set up worktree .*early/);
      assert.ok(existsSync(join(early, '.claude/settings.local.json')), 'a worktree made before init too');
      const tree = join(repo.home, 'side');
      repo.git('worktree', 'add', '-q', '-b', 'side', tree);
      const inTree = (path: string) => join(tree, path);
      const git = (...args: string[]) => gitWith({ ...repo, dir: tree }, repo.env, ...args);

      assert.equal(
        repo.read('factory.config.json'),
        readFileSync(inTree('factory.config.json'), 'utf8'),
        'the same config as the main worktree',
      );
      assert.match(
        readFileSync(inTree('.claude/settings.local.json'), 'utf8'),
        /hook pre-tool-use/,
        'the guard',
      );
      assert.ok(existsSync(inTree('.claude/skills/typescript-quality/SKILL.md')), 'the skills');
      assert.equal(git('status', '--porcelain', '--untracked-files=all').stdout, '', 'all of it out of git');
      const doctor = runFactory(['doctor', '--json'], { cwd: tree, env: repo.env });
      assert.deepEqual(
        JSON.parse(doctor.stdout)
          .findings.map((f: { id: string }) => f.id)
          .filter((id: string) => id !== 'toolMissing'), // no biome or tsc here: a preset-tools test covers it
        [],
      );

      // Gated: a secret is refused in the worktree.
      writeFileSync(inTree('leak.txt'), `${AWS_KEY}\n`);
      git('add', 'leak.txt');
      const refused = git('commit', '-m', 'leak');
      assert.equal(refused.status, 1, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /refused/);

      // One store: the worktree's gate run and task are seen from the main worktree.
      const added = runFactory(['task', 'add', 'shared work', '--json'], { cwd: tree, env: repo.env });
      assert.equal(added.status, 0, added.stderr);
      const tasks = runFactory(['task', 'list', '--json'], { cwd: repo.dir, env: repo.env });
      assert.match(tasks.stdout, /shared work/);
      const history = runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(JSON.parse(history.stdout)[0]?.status, 'failed');
      assert.ok(!existsSync(inTree('.factory/state.db')), 'no second store in the worktree');

      // A worktree made with the hooks off misses its set-up: doctor names it, init in it mends it.
      const bare = join(repo.home, 'bare');
      gitWith(repo, { ...repo.env, HUSKY: '0' }, 'worktree', 'add', '-q', '-b', 'bare', bare);
      const missed = runFactory(['doctor', '--json'], { cwd: bare, env: repo.env });
      assert.match(missed.stdout, /"id":\s*"worktreeNotSetUp"/);
      assert.equal(runFactory(['init', '--yes'], { cwd: bare, env: repo.env }).status, 0);
      assert.doesNotMatch(
        runFactory(['doctor', '--json'], { cwd: bare, env: repo.env }).stdout,
        /worktreeNotSetUp/,
      );

      // Uninstall from the main worktree undoes the worktree's set-up too.
      const out = runFactory(['uninstall', '--remove-state'], { cwd: repo.dir, env: repo.env });
      assert.equal(out.status, 0, out.stderr);
      git('rm', '-q', '--cached', 'leak.txt');
      rmSync(inTree('leak.txt'));
      assert.equal(git('status', '--porcelain', '--untracked-files=all').stdout, '');
      assert.ok(!existsSync(inTree('.claude')) && !existsSync(inTree('factory.config.json')));
    } finally {
      repo.cleanup();
    }
  });
});
