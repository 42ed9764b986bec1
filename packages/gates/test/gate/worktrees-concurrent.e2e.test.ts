import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gatedRepo, standIn, withPath, writeConfig } from '../helpers.js';

const WORKTREES = 8;
const ROUNDS = 3;

function gitIn(
  dir: string,
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('commits in linked worktrees at the same time', () => {
  it(`${WORKTREES} worktrees committing partially staged files at once for ${ROUNDS} rounds lose nothing and leave nothing behind`, async () => {
    const repo = gatedRepo({ 'src/task.js': 'start\none\ntwo\nthree\n', 'notes.txt': 'notes\n' });
    try {
      const bin = join(repo.home, 'bin');
      // A fixer that takes its time, so that the runs overlap.
      standIn(bin, 'slowfix', { script: 'sleep 0.3; for f in "$@"; do sed -i s/bad/good/ "$f"; done' });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.js': 'slowfix' } } } });
      repo.git('add', '-f', 'factory.config.json');
      repo.git('commit', '-m', 'config');
      const env = withPath(repo.env, bin);
      const trees = Array.from({ length: WORKTREES }, (_, i) => {
        const dir = join(repo.dir, '..', `wt${i}`);
        repo.git('worktree', 'add', '-q', dir, '-b', `wt${i}`);
        return dir;
      });
      const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, dir] of trees.entries()) {
          // Staged: a new first line for the fixer; unstaged: a line at the end.
          const staged = `bad ${i}.${round}\n${read(dir, 'src/task.js').split('\n').slice(1).join('\n')}`;
          writeFileSync(join(dir, 'src/task.js'), staged);
          await gitIn(dir, env, ['add', 'src/task.js']);
          writeFileSync(join(dir, 'src/task.js'), `${staged}unstaged ${i}.${round}\n`);
          writeFileSync(join(dir, 'notes.txt'), `notes\nunstaged notes ${i}.${round}\n`);
          writeFileSync(join(dir, `scratch-${round}.txt`), `untracked ${i}.${round}\n`);
        }
        const results = await Promise.all(
          trees.map((dir, i) => gitIn(dir, env, ['commit', '-q', '-m', `wt${i} round ${round}`])),
        );
        for (const [i, dir] of trees.entries()) {
          const what = `worktree ${i}, round ${round}`;
          assert.equal(results[i]!.code, 0, `${what}: ${results[i]!.output}`);
          const committed = (await gitIn(dir, env, ['show', 'HEAD:src/task.js'])).output;
          assert.ok(
            committed.startsWith(`good ${i}.${round}\n`),
            `${what}: the fix is committed: ${committed}`,
          );
          assert.ok(!committed.includes('unstaged'), `${what}: unstaged work is not committed`);
          assert.equal(
            read(dir, 'src/task.js'),
            `${committed}unstaged ${i}.${round}\n`,
            `${what}: unstaged work kept`,
          );
          assert.equal(
            read(dir, 'notes.txt'),
            `notes\nunstaged notes ${i}.${round}\n`,
            `${what}: other edits kept`,
          );
          assert.equal(read(dir, `scratch-${round}.txt`), `untracked ${i}.${round}\n`);
          const status = (await gitIn(dir, env, ['status', '--porcelain'])).output;
          assert.equal(
            status,
            ` M notes.txt\n M src/task.js\n${Array.from({ length: round + 1 }, (_, r) => `?? scratch-${r}.txt\n`).join('')}`,
            what,
          );
        }
        // Put the unstaged work into the next round's base, as a developer would.
        for (const dir of trees) {
          writeFileSync(
            join(dir, 'src/task.js'),
            (await gitIn(dir, env, ['show', 'HEAD:src/task.js'])).output,
          );
        }
      }
      assert.equal(repo.git('stash', 'list'), '', 'no stash is left behind');
      for (const [i] of trees.entries()) {
        assert.ok(
          !existsSync(repo.path('.git', 'worktrees', `wt${i}`, 'factory-backup')),
          'no backup left behind',
        );
      }
    } finally {
      repo.cleanup();
    }
  });
});
