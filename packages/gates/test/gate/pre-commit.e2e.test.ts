import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactory } from '@factory/testkit';
import {
  gatedRepo,
  gitWith,
  head,
  spawnGitGroup,
  standIn,
  waitFor,
  withPath,
  workState,
  writeConfig,
} from '../helpers.js';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

describe('factory gate pre-commit through real git hooks', () => {
  it('refuses a commit that adds a secret (HEAD does not move), passes a clean one, records both', () => {
    const repo = gatedRepo();
    try {
      const before = head(repo);
      repo.write('config.js', `export const key = "${AWS_KEY}";\n`);
      repo.git('add', 'config.js');
      const bad = repo.tryGit('commit', '-m', 'add config');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /secrets {2}config\.js:1: an AWS access key ID \(AKIA…W5/);
      assert.match(bad.stderr, /fix: remove it from the file/);
      assert.equal(head(repo), before);

      repo.write('config.js', 'export const key = process.env.AWS_ACCESS_KEY_ID;\n');
      repo.git('add', 'config.js');
      assert.equal(repo.tryGit('commit', '-m', 'clean').status, 0);
      assert.notEqual(head(repo), before);

      const history = runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env });
      assert.equal(history.status, 0, history.stderr);
      const runs = JSON.parse(history.stdout) as Array<{
        gate: string;
        status: string;
        durationMs: number;
        startedAt: string;
      }>;
      assert.deepEqual(
        runs.map((r) => [r.gate, r.status]),
        [
          ['pre-commit', 'passed'],
          ['pre-commit', 'failed'],
        ],
      );
      assert.ok(
        runs.every((r) => typeof r.durationMs === 'number' && !Number.isNaN(Date.parse(r.startedAt))),
      );
      const status = JSON.parse(runFactory(['status', '--json'], { cwd: repo.dir, env: repo.env }).stdout);
      assert.deepEqual(
        status.sections.gateRuns.recent.map((r: { status: string }) => r.status),
        ['passed', 'failed'],
      );
      assert.equal(status.sections.gateRuns.failedLast24h, 1);
    } finally {
      repo.cleanup();
    }
  });

  it('checks what is staged, not the working tree: a staged secret hidden by an unstaged edit is refused, an unstaged one is not', () => {
    const repo = gatedRepo();
    try {
      repo.write('config.js', `export const key = "${AWS_KEY}";\n`);
      repo.git('add', 'config.js');
      repo.write('config.js', 'export const key = process.env.KEY;\n');
      const hidden = repo.tryGit('commit', '-m', 'hidden');
      assert.notEqual(hidden.status, 0);
      assert.match(hidden.stderr, /config\.js:1: an AWS access key ID/);

      repo.git('add', 'config.js');
      repo.write('config.js', `export const key = "${AWS_KEY}"; // not staged\n`);
      const clean = repo.tryGit('commit', '-m', 'clean staged');
      assert.equal(clean.status, 0, clean.stderr);
      assert.equal(repo.git('show', 'HEAD:config.js'), 'export const key = process.env.KEY;\n');
    } finally {
      repo.cleanup();
    }
  });

  it('an invalid config refuses the commit with the config error (the gate fails closed)', () => {
    const repo = gatedRepo();
    try {
      writeConfig(repo, { gates: { preCommit: { maxFileSizeKb: 'big' } } });
      repo.write('a.txt', 'a\n');
      repo.git('add', 'a.txt');
      const before = head(repo);
      const result = gitWith(repo, repo.env, 'commit', '-m', 'x');
      assert.notEqual(result.status, 0);
      assert.match(
        result.stderr,
        /factory: .*factory\.config\.json: gates\.preCommit\.maxFileSizeKb must be integer/,
      );
      assert.doesNotMatch(result.stderr, /unexpectedly/);
      assert.equal(head(repo), before);
      const runs = JSON.parse(
        runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env }).stdout,
      );
      assert.equal(runs[0].status, 'error');
    } finally {
      repo.cleanup();
    }
  });

  it('refuses conflict markers, large files and forbidden paths, naming file and line', () => {
    const repo = gatedRepo();
    try {
      writeConfig(repo, { extends: 'base', gates: { preCommit: { maxFileSizeKb: 1 } } });
      repo.write('merge.txt', 'a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> other\n');
      repo.write('big.bin', 'x'.repeat(3000));
      repo.write('.env', 'A=1\n');
      repo.write('.env.example', 'A=\n');
      repo.git('add', '-f', 'merge.txt', 'big.bin', '.env', '.env.example');
      const result = repo.tryGit('commit', '-m', 'bad');
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /conflict-markers {2}merge\.txt:2/);
      assert.match(result.stderr, /large-files {2}big\.bin: 3 KiB, over the limit of 1 KiB/);
      assert.match(result.stderr, /forbidden-paths {2}\.env: /);
      assert.doesNotMatch(result.stderr, /\.env\.example/);
    } finally {
      repo.cleanup();
    }
  });

  it('runs a configured task on the staged files, stages a fixer’s changes, and a failing task refuses', () => {
    const repo = gatedRepo();
    try {
      const bin = join(repo.home, 'bin');
      const log = standIn(bin, 'lint', {
        script: 'for f in "$@"; do case "$f" in -*) ;; *) sed -i s/bad/good/ "$f" ;; esac; done',
      });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.py': 'lint --fix' } } } });
      repo.write('src/a.py', 'bad = 1\n');
      repo.write('notes.md', 'bad\n');
      repo.git('add', 'src/a.py', 'notes.md');
      const env = withPath(repo.env, bin);
      const ok = gitWith(repo, env, 'commit', '-m', 'fix on commit');
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(readFileSync(log, 'utf8'), `lint --fix ${repo.path('src/a.py')}\n`);
      assert.equal(repo.git('show', 'HEAD:src/a.py'), 'good = 1\n', 'the fixer’s change is committed');
      assert.equal(repo.git('show', 'HEAD:notes.md'), 'bad\n', 'files the task does not match are untouched');
      assert.equal(repo.git('status', '--porcelain', '--', 'src', 'notes.md'), '');

      standIn(bin, 'lint', {
        code: 3,
        script:
          'for f in "$@"; do case "$f" in -*) ;; *) echo broken >> "$f" ;; esac; done; echo "E001 bad thing" >&2',
      });
      repo.write('src/a.py', 'x = 2\n');
      repo.git('add', 'src/a.py');
      const state = workState(repo);
      const before = head(repo);
      const bad = gitWith(repo, env, 'commit', '-m', 'fails');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /E001 bad thing/);
      assert.match(bad.stderr, /tasks {2}src\/a\.py: the task "lint --fix" failed \(exit 3\)/);
      assert.equal(head(repo), before);
      assert.equal(workState(repo), state, 'index and working tree are byte-identical after the failure');
    } finally {
      repo.cleanup();
    }
  });

  it('partial staging with a failing task: index and working tree are byte-identical afterwards', () => {
    const repo = gatedRepo({ 'a.py': 'one\ntwo\nthree\n' });
    try {
      const bin = join(repo.home, 'bin');
      standIn(bin, 'lint', { code: 1, script: 'for f in "$@"; do echo mangled > "$f"; done' });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.py': 'lint' } } } });
      repo.write('a.py', 'ONE\ntwo\nthree\n');
      repo.git('add', 'a.py');
      repo.write('a.py', 'ONE\ntwo\nthree\nunstaged line\n');
      repo.write('untracked.txt', 'keep me\n');
      const state = workState(repo);
      const result = gitWith(repo, withPath(repo.env, bin), 'commit', '-m', 'partial');
      assert.notEqual(result.status, 0);
      assert.equal(workState(repo), state);
      assert.equal(repo.read('a.py'), 'ONE\ntwo\nthree\nunstaged line\n');
    } finally {
      repo.cleanup();
    }
  });

  it('partial staging with a fixer that succeeds: the fix is committed, the unstaged change stays unstaged', () => {
    const repo = gatedRepo({ 'a.py': 'top\nmiddle\nbottom\n' });
    try {
      const bin = join(repo.home, 'bin');
      standIn(bin, 'fixer', { script: 'for f in "$@"; do sed -i s/bad/good/ "$f"; done' });
      writeConfig(repo, { gates: { preCommit: { tasks: { '*.py': 'fixer' } } } });
      repo.write('a.py', 'top bad\nmiddle\nbottom\n');
      repo.git('add', 'a.py');
      repo.write('a.py', 'top bad\nmiddle\nbottom\nunstaged work\n');
      const result = gitWith(repo, withPath(repo.env, bin), 'commit', '-m', 'partial fix');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(repo.git('show', 'HEAD:a.py'), 'top good\nmiddle\nbottom\n');
      assert.equal(repo.read('a.py'), 'top good\nmiddle\nbottom\nunstaged work\n');
      assert.equal(repo.git('diff', '--cached'), '');
      assert.match(repo.git('diff'), /\+unstaged work/);
    } finally {
      repo.cleanup();
    }
  });

  for (const partial of [true, false]) {
    it(`a gate interrupted with SIGINT (${partial ? 'partial staging' : 'lean path'}) leaves index and working tree byte-identical`, async () => {
      const repo = gatedRepo({ 'a.py': 'one\ntwo\n' });
      try {
        const bin = join(repo.home, 'bin');
        const started = join(repo.home, 'task-started');
        // The task damages its files, announces itself, then waits to be interrupted.
        standIn(bin, 'slow', {
          script: `for f in "$@"; do echo damaged > "$f"; done; touch '${started}'; sleep 30`,
        });
        writeConfig(repo, { gates: { preCommit: { tasks: { '*.py': 'slow' } } } });
        repo.write('a.py', 'ONE\ntwo\n');
        repo.git('add', 'a.py');
        if (partial) repo.write('a.py', 'ONE\ntwo\nunstaged\n');
        const state = workState(repo);
        const before = head(repo);
        const { child, done } = spawnGitGroup(repo, ['commit', '-m', 'interrupted'], withPath(repo.env, bin));
        await waitFor(() => existsSync(started));
        process.kill(-child.pid!, 'SIGINT');
        const result = await done;
        assert.notEqual(result.code, 0);
        // The gate may still be restoring after git itself has died: wait for it to finish.
        // git dies at once; the gate goes on restoring: wait until it has recorded the interrupted run.
        // Patient: each poll starts a factory process, and a loaded machine slows both sides.
        await waitFor(
          () =>
            runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env }).stdout.includes(
              '"interrupted"',
            ),
          60_000,
        );
        assert.equal(head(repo), before);
        assert.equal(workState(repo), state);
      } finally {
        repo.cleanup();
      }
    });
  }

  it('a human skip needs a reason, is recorded, and never covers the secret check', () => {
    const repo = gatedRepo();
    try {
      repo.write('merge.txt', '<<<<<<< HEAD\n');
      repo.git('add', 'merge.txt');
      const noReason = gitWith(repo, { ...repo.env, FACTORY_SKIP: 'conflict-markers' }, 'commit', '-m', 'x');
      assert.notEqual(noReason.status, 0);
      assert.match(noReason.stderr, /without FACTORY_SKIP_REASON/);
      const direct = runFactory(['gate', 'pre-commit'], {
        cwd: repo.dir,
        env: { ...repo.env, FACTORY_SKIP: 'tasks' },
      });
      assert.equal(direct.status, 1, 'a refusal, not a crash');
      assert.match(direct.stderr, /^factory: FACTORY_SKIP is set without FACTORY_SKIP_REASON/);
      assert.doesNotMatch(direct.stderr, /unexpectedly/);
      const skipped = gitWith(
        repo,
        {
          ...repo.env,
          FACTORY_SKIP: 'conflict-markers',
          FACTORY_SKIP_REASON: 'documenting the marker format',
        },
        'commit',
        '-m',
        'x',
      );
      assert.equal(skipped.status, 0, skipped.stderr);
      repo.write('k.txt', `${AWS_KEY}\n`);
      repo.git('add', 'k.txt');
      for (const skip of ['secrets', 'all']) {
        const attempt = gitWith(
          repo,
          { ...repo.env, FACTORY_SKIP: skip, FACTORY_SKIP_REASON: 'hurry' },
          'commit',
          '-m',
          'y',
        );
        assert.notEqual(attempt.status, 0, `FACTORY_SKIP=${skip} must not let a secret through`);
      }
      const history = JSON.parse(
        runFactory(['gate', 'history', '--json'], { cwd: repo.dir, env: repo.env }).stdout,
      );
      const recorded = history.find((run: { skipped?: string[] }) =>
        run.skipped?.includes('conflict-markers'),
      );
      assert.equal(recorded.skipReason, 'documenting the marker format');
      assert.equal(recorded.status, 'passed');
    } finally {
      repo.cleanup();
    }
  });
});
