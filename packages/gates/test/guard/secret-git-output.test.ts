import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * git printing a secret it was not given by name (issue #11): a `.env` committed once and still tracked,
 * a stash holding a change to it, a stash holding an untracked `.env.local`, a remote whose URL carries a
 * token. What git would print is asked of git itself; what leaves the secret out passes.
 */

// A token shaped like GitHub's, assembled so that this file holds none.
const token = `ghp_${'Zx9Yw8Vu7Ts6Rq5Po4Nm'}${'3Lk2Ji1Hg0Fe9Dc8'}`;

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'src/a.ts': 'export const a = 1;\n',
      '.env': 'API_KEY=abc\n',
      'README.md': '# x\n',
    },
  });
  repo.write('src/b.ts', 'export const b = 2;\n');
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'b');
  repo.write('.env', 'API_KEY=changed\n');
  repo.git('stash', '-q');
  repo.write('.env.local', 'DB_PASSWORD=x\n');
  repo.write('README.md', '# y\n');
  repo.git('stash', '-q', '-u');
  repo.git('remote', 'add', 'origin', `https://x-access-token:${token}@github.com/o/r.git`);
  repo.git('remote', 'add', 'mirror', 'https://gitlab.com/o/r.git');
});
after(() => repo.cleanup());

function verdict(command: string) {
  return decide(
    { tool: 'Bash', input: { command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('git printing a secret file it was not given by name', () => {
  it('refuses what would print the tracked, stashed or once committed secret file', () => {
    for (const command of [
      'git log -p',
      'git log --all -p -S API_KEY',
      'git log -u --reverse',
      'git log --patch-with-stat',
      'git whatchanged -p',
      'git reflog -p',
      'git show HEAD~1',
      'git show HEAD~1 --format=%H',
      'git diff-tree -p --root HEAD~1',
      'git fast-export --all',
      'git stash show -p stash@{1}',
      'git stash show -p -u',
      'git stash show --patch --include-untracked stash@{0}',
      'git format-patch --stdout --root',
      'git format-patch --root -o /tmp/patches',
      'git grep API_KEY',
      'git grep -n -e API -- .',
      'git grep API_KEY HEAD~1',
      'git archive HEAD',
      'git archive --format=tar -o /tmp/x.tar HEAD',
      'git archive --remote=. HEAD',
      'git archive --remote . --format=zip HEAD',
      'git diff --root HEAD~1 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
      'git diff 4b825dc642cb6eb9a060e54bf8d69288fbee4904 HEAD',
      "git -c alias.lp='log -p' lp",
      'cd src && git log -p',
      'git log -p $RANGE',
      'git show "$REV"',
      'git log $FLAGS',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
      assert.ok(
        result.findings.some(
          (finding) => finding.rule === 'secret-git-output' || finding.rule === 'secret-git',
        ),
        command,
      );
    }
  });

  it('refuses printing the secret file’s blob by its id, and passes other blobs', () => {
    const secretBlob = repo.git('rev-parse', 'HEAD:.env').trim();
    const otherBlob = repo.git('rev-parse', 'HEAD:src/a.ts').trim();
    for (const command of [
      `git cat-file -p ${secretBlob}`,
      `git cat-file blob ${secretBlob.slice(0, 7)}`,
      `git show ${secretBlob.slice(0, 10)}`,
      `git diff ${otherBlob} ${secretBlob}`,
      'git cat-file --batch-all-objects --batch',
    ])
      assert.equal(verdict(command).decision, 'deny', command);
    for (const command of [
      `git cat-file -p ${otherBlob}`,
      `git show ${otherBlob.slice(0, 8)}`,
      'git cat-file -t HEAD',
    ])
      assert.equal(verdict(command).decision, 'allow', command);
  });

  it('passes what leaves the secret file out or prints no contents', () => {
    for (const command of [
      'git log --stat',
      'git log --oneline -5',
      'git log -p -- src/',
      "git log -p -- . ':(exclude).env'",
      'git log -p -1',
      'git show',
      'git show --stat HEAD~1',
      'git show HEAD~1 --name-only',
      'git show HEAD:src/a.ts',
      'git diff',
      'git diff --cached',
      'git diff HEAD~1',
      'git diff --stat 4b825dc642cb6eb9a060e54bf8d69288fbee4904 HEAD',
      'git stash show',
      'git stash show -p',
      'git stash show stash@{1}',
      'git stash list',
      'git format-patch --stdout -1',
      'git grep -n export',
      'git grep -l API_KEY',
      'git grep API_KEY -- src',
      'git archive HEAD src',
      'git blame src/a.ts',
      'git log --author=$USER --oneline',
      'git log -p --since="$SINCE" -- src/',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'allow', `${command}: ${result.reason}`);
    }
  });
});

describe('git printing a credential kept in its configuration', () => {
  it('refuses printing the URL that holds the token, by any spelling', () => {
    for (const command of [
      'git remote -v',
      'git remote --verbose',
      'git remote get-url origin',
      'git remote show origin',
      'git ls-remote --get-url origin',
      'git config --get remote.origin.url',
      'git config remote.origin.url',
      'git config get remote.origin.url',
      'git config --list',
      'git config -l --show-origin',
      'git config --get-regexp remote',
      'git config --local --list',
      'git config -f .git/config -l',
      'cat .git/config',
      'grep url .git/config',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'deny', command);
    }
    const read = decide(
      { tool: 'Read', input: { file_path: `${repo.dir}/.git/config` } },
      { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
    );
    assert.equal(read.decision, 'deny');
  });

  it('passes what prints no credential', () => {
    for (const command of [
      'git remote',
      'git config --get user.email',
      'git config remote.mirror.url',
      'git config user.name "A B"',
      'git config --global --list',
      'git branch -vv',
    ]) {
      const result = verdict(command);
      assert.equal(result.decision, 'allow', `${command}: ${result.reason}`);
    }
  });

  it('refuses printing an authorization header kept for git’s HTTP requests (as CI checkouts leave it)', () => {
    const ci = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      ci.git('remote', 'add', 'origin', 'https://github.com/o/r.git');
      ci.git(
        'config',
        'http.https://github.com/.extraheader',
        'AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hz',
      );
      const at = (command: string) =>
        decide(
          { tool: 'Bash', input: { command } },
          { cwd: ci.dir, home: ci.home, repoRoot: ci.dir, config: defaultGuardConfig, environment: {} },
        ).decision;
      for (const command of ['git config --list', 'git config --get-regexp http', 'cat .git/config'])
        assert.equal(at(command), 'deny', command);
      for (const command of ['git remote -v', 'git config --get remote.origin.url'])
        assert.equal(at(command), 'allow', command);
    } finally {
      ci.cleanup();
    }
  });

  it('passes printing the remotes once no URL holds a credential', () => {
    const clean = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      clean.git('remote', 'add', 'origin', 'https://github.com/o/r.git');
      for (const command of [
        'git remote -v',
        'git config --list',
        'cat .git/config',
        'git show "$REV"',
        'git log -p $RANGE',
      ]) {
        const result = decide(
          { tool: 'Bash', input: { command } },
          {
            cwd: clean.dir,
            home: clean.home,
            repoRoot: clean.dir,
            config: defaultGuardConfig,
            environment: {},
          },
        );
        assert.equal(result.decision, 'allow', `${command}: ${result.reason}`);
      }
    } finally {
      clean.cleanup();
    }
  });
});
