import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TempRepo } from '@factory/testkit';
import { gatedRepo, gitWith } from '../helpers.js';

/**
 * The check at the point of effect, through real git: a branch cannot move to a commit whose tree the
 * pre-commit gate never passed, also under `git commit --no-verify`, while everyday git (fetch, pull,
 * rebase, merge, cherry-pick, revert, stash, tags, branches, reset) keeps working.
 */

const token = `ghp_${'a1B2c3D4e5F6g7H8i9J0'}${'k1L2m3N4o5P6q7R8'}`;

function head(repo: TempRepo, ref = 'HEAD'): string {
  return repo.git('rev-parse', ref).trim();
}

function commit(repo: TempRepo, file: string, content: string, ...flags: string[]) {
  repo.write(file, content);
  repo.git('add', file);
  return gitWith(repo, repo.env, 'commit', '-q', ...flags, '-m', `add ${file}`);
}

describe('reference-transaction: no branch moves to a tree the gates did not pass', () => {
  it('refuses a commit made with --no-verify, and git commit-tree + update-ref; lets gated commits through', () => {
    const repo = gatedRepo();
    try {
      const before = head(repo);
      const sneaky = commit(repo, 'a.txt', 'a\n', '--no-verify');
      assert.notEqual(sneaky.status, 0);
      assert.match(
        sneaky.stderr,
        /refs\/heads\/main cannot move to [0-9a-f]{12}: its tree [0-9a-f]{12} never passed the pre-commit gate/,
      );
      assert.match(sneaky.stderr, /fix: commit through the gates/);
      assert.equal(head(repo), before, 'the branch did not move');
      // The staged change is still there: committing through the gate works.
      const gated = gitWith(repo, repo.env, 'commit', '-q', '-m', 'add a.txt');
      assert.equal(gated.status, 0, gated.stderr);
      assert.notEqual(head(repo), before);

      // Plumbing: a commit object made by hand cannot become a branch tip.
      repo.write('b.txt', 'b\n');
      repo.git('add', 'b.txt');
      const tree = repo.git('write-tree').trim();
      const made = repo.git('commit-tree', tree, '-p', 'HEAD', '-m', 'by hand').trim();
      const moved = gitWith(repo, repo.env, 'update-ref', 'refs/heads/main', made);
      assert.notEqual(moved.status, 0);
      assert.notEqual(head(repo), made);
      const branched = gitWith(repo, repo.env, 'branch', 'side', made);
      assert.notEqual(branched.status, 0);

      // The refusal is recorded with the gate runs.
      const history = JSON.parse(
        execFileSync(
          process.execPath,
          [join(import.meta.dirname, '../../../cli/dist/bin.js'), 'gate', 'history', '--json'],
          {
            cwd: repo.dir,
            env: repo.env,
            encoding: 'utf8',
          },
        ),
      ) as Array<{ gate: string; status: string }>;
      assert.ok(history.some((run) => run.gate === 'reference-transaction' && run.status === 'failed'));
    } finally {
      repo.cleanup();
    }
  });

  it('an empty commit and a message-only amend keep their tree; a human skip with a reason is recorded', () => {
    const repo = gatedRepo();
    try {
      const empty = gitWith(repo, repo.env, 'commit', '-q', '--allow-empty', '--no-verify', '-m', 'empty');
      assert.equal(empty.status, 0, empty.stderr);
      const amend = gitWith(
        repo,
        repo.env,
        'commit',
        '-q',
        '--amend',
        '--allow-empty',
        '--no-verify',
        '-m',
        'reworded',
      );
      assert.equal(amend.status, 0, amend.stderr);
      repo.write('c.txt', 'c\n');
      repo.git('add', 'c.txt');
      const skipped = gitWith(
        repo,
        { ...repo.env, FACTORY_SKIP: 'all', FACTORY_SKIP_REASON: 'hotfix, the human decided' },
        'commit',
        '-q',
        '--no-verify',
        '-m',
        'hotfix',
      );
      assert.equal(skipped.status, 0, skipped.stderr);
      assert.match(skipped.stderr, /skipped by FACTORY_SKIP=all \(reason: hotfix, the human decided\)/);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps everyday git working: branches, tags, stash, reset, merge, rebase, cherry-pick, revert, fetch and pull', () => {
    const repo = gatedRepo();
    const remote = mkdtempSync(join(tmpdir(), 'factory-remote-'));
    try {
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
      repo.git('remote', 'add', 'origin', remote);
      assert.equal(gitWith(repo, repo.env, 'push', '-q', 'origin', 'main').status, 0);
      const ok = (result: { status: number; stderr: string }, what: string) =>
        assert.equal(result.status, 0, `${what}: ${result.stderr}`);
      const git = (...args: string[]) => gitWith(repo, repo.env, ...args);

      ok(git('checkout', '-q', '-b', 'feature'), 'checkout -b');
      ok(commit(repo, 'f.txt', 'f\n'), 'commit on feature');
      ok(git('tag', 'v1'), 'tag');
      ok(git('checkout', '-q', 'main'), 'checkout main');
      ok(commit(repo, 'm.txt', 'm\n'), 'commit on main');
      repo.write('m.txt', 'changed\n');
      ok(git('stash', '-q'), 'stash');
      ok(git('stash', 'pop', '-q'), 'stash pop');
      ok(git('checkout', '-q', '--', 'm.txt'), 'checkout file');
      ok(git('merge', '-q', '--no-edit', 'feature'), 'merge');
      ok(git('reset', '-q', '--hard', 'HEAD~1'), 'reset to an earlier commit');
      ok(git('checkout', '-q', 'feature'), 'checkout feature');
      ok(git('rebase', '-q', 'main'), 'rebase');
      ok(git('checkout', '-q', 'main'), 'checkout main again');
      ok(git('cherry-pick', 'feature'), 'cherry-pick');
      ok(git('revert', '--no-edit', 'HEAD'), 'revert');
      ok(git('branch', '-f', 'old', 'HEAD~2'), 'branch -f to a known commit');
      ok(git('branch', '-D', 'old'), 'branch -D');

      // Someone else pushes; fetch and pull bring their commits (which this clone's gates never saw).
      const other = mkdtempSync(join(tmpdir(), 'factory-other-'));
      try {
        execFileSync('git', ['clone', '-q', remote, other], { env: repo.env });
        execFileSync(
          'sh',
          [
            '-c',
            'echo theirs > theirs.txt && git add theirs.txt && git commit -qm theirs && git push -q origin main',
          ],
          {
            cwd: other,
            env: repo.env,
          },
        );
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
      ok(git('fetch', '-q', 'origin'), 'fetch');
      ok(git('pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'), 'pull (merge)');
      ok(git('pull', '-q', '--rebase', 'origin', 'main'), 'pull --rebase');
      ok(git('checkout', '-q', '-b', 'from-remote', 'origin/main'), 'checkout -b from a remote-tracking ref');
    } finally {
      rmSync(remote, { recursive: true, force: true });
      repo.cleanup();
    }
  });

  it('a cherry-pick that would bring a secret onto a branch is refused with the finding', () => {
    const repo = gatedRepo();
    try {
      // A commit past the gates on a side branch (the human's skip), then an attempt to carry it over.
      repo.git('checkout', '-q', '-b', 'side');
      repo.write('leak.js', `const t = "${token}";\n`);
      repo.git('add', 'leak.js');
      const skipped = gitWith(
        repo,
        { ...repo.env, FACTORY_SKIP: 'all', FACTORY_SKIP_REASON: 'test: a commit past the gates' },
        'commit',
        '-q',
        '--no-verify',
        '-m',
        'leak',
      );
      assert.equal(skipped.status, 0, skipped.stderr);
      const leak = head(repo);
      repo.git('checkout', '-q', 'main');
      // main moves on (through the gate), so the pick makes a new commit, not the side branch's own.
      assert.equal(commit(repo, 'm.txt', 'm\n').status, 0);
      const before = head(repo);
      const picked = gitWith(repo, repo.env, 'cherry-pick', leak);
      assert.notEqual(picked.status, 0);
      assert.match(picked.stderr, /secrets/);
      assert.match(
        picked.stderr,
        /the cherry-pick would put commits on a branch that fail the gate's checks/,
      );
      assert.equal(head(repo, 'refs/heads/main'), before);
    } finally {
      repo.cleanup();
    }
  });
});
