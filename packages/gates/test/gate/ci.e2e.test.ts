import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo, pastTheGates, standIn, withPath } from '../helpers.js';

const SECRET = `const token = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`;

/** The environment of a CI runner: the test's isolated git identity, no CI variables of the machine's own. */
function runnerEnv(repo: TempRepo, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...repo.env };
  for (const key of Object.keys(env)) {
    if (/^(GITHUB_|GITLAB_|CI_)/.test(key) || key === 'CI') delete env[key];
  }
  return { ...env, CI: 'true', ...extra };
}

function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function sha(repo: TempRepo, rev: string): string {
  return repo.git('rev-parse', rev).trim();
}

/**
 * A developer repository with factory's hooks, a bare `origin`, `main` pushed, and two branches made past
 * the hooks: `leaky` (a secret committed with --no-verify, then deleted by a later commit) and `clean`.
 */
function developerRepo(): { repo: TempRepo; bare: string } {
  const repo = gatedRepo({ 'README.md': '# app\n', 'src/app.js': 'export const a = 1;\n' });
  const bare = repo.addBareRemote();
  repo.git('push', '-q', '--no-verify', 'origin', 'main');

  repo.git('checkout', '-q', '-b', 'leaky');
  repo.write('src/leak.js', SECRET);
  repo.git('add', 'src/leak.js');
  const hooked = repo.tryGit('commit', '-q', '-m', 'add a client');
  assert.notEqual(hooked.status, 0, 'the local pre-commit gate refuses the secret');
  pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'add a client');
  repo.git('rm', '-q', 'src/leak.js');
  pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'remove it again');
  repo.git('push', '-q', '--no-verify', 'origin', 'leaky');

  repo.git('checkout', '-q', 'main');
  repo.git('checkout', '-q', '-b', 'clean');
  repo.write('src/app.js', 'export const a = 2;\n');
  repo.git('commit', '-q', '-am', 'a is two');
  repo.git('push', '-q', '--no-verify', 'origin', 'clean');
  repo.git('checkout', '-q', 'main');
  return { repo, bare };
}

/** What actions/checkout with fetch-depth 0 leaves: a full clone, the head commit checked out detached. */
function githubCheckout(repo: TempRepo, bare: string, head: string, name: string): string {
  const dir = join(repo.home, name);
  git(repo.home, repo.env, 'clone', '-q', bare, dir);
  git(dir, repo.env, 'checkout', '-q', '--detach', head);
  return dir;
}

/** A pull_request event payload shaped like GitHub's (the fields factory reads, and their neighbours). */
function pullRequestEvent(repo: TempRepo, number: number, branch: string): object {
  return {
    action: 'synchronize',
    number,
    before: sha(repo, `${branch}~1`),
    after: sha(repo, branch),
    pull_request: {
      number,
      state: 'open',
      draft: false,
      title: `change from ${branch}`,
      user: { login: 'dev' },
      head: { label: `acme:${branch}`, ref: branch, sha: sha(repo, branch), repo: { full_name: 'acme/app' } },
      base: { label: 'acme:main', ref: 'main', sha: sha(repo, 'main'), repo: { full_name: 'acme/app' } },
    },
    repository: { full_name: 'acme/app', default_branch: 'main' },
    sender: { login: 'dev' },
  };
}

function githubEnv(repo: TempRepo, dir: string, event: string, payload: object): NodeJS.ProcessEnv {
  const eventPath = join(dir, '..', `${event}-${Date.now()}.json`);
  writeFileSync(eventPath, JSON.stringify(payload, null, 2));
  const summary = join(dir, '..', `summary-${Date.now()}.md`);
  writeFileSync(summary, '');
  return runnerEnv(repo, {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_SHA: sha(repo, 'main'),
    GITHUB_REPOSITORY: 'acme/app',
  });
}

describe('factory gate ci', () => {
  it('GitHub pull_request: refuses a range holding a secret committed with --no-verify, passes a clean one', () => {
    const { repo, bare } = developerRepo();
    try {
      const leakyHead = sha(repo, 'leaky');
      const ci = githubCheckout(repo, bare, leakyHead, 'ci-leaky');
      const env = githubEnv(repo, ci, 'pull_request', pullRequestEvent(repo, 12, 'leaky'));
      const refused = runFactory(['gate', 'ci'], { cwd: ci, env });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /factory gate ci: 2 commits of github pull_request #12/);
      assert.match(
        refused.stderr,
        /secrets {2}src\/leak\.js:1: a GitHub token \(ghp_…R8, rule github-token\) in commit [0-9a-f]{10}/,
      );
      // The finding is an annotation on the file, and the job summary says why.
      assert.match(
        refused.stdout,
        /^::error file=src\/leak\.js,line=1,title=factory secrets::a GitHub token/m,
      );
      assert.match(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8'), /factory gate ci: refused/);
      assert.ok(!refused.stdout.includes('a1B2c3D4e5F6'), 'the secret itself is never printed');
      // Recorded like every gate run, with the head SHA it judged.
      const history = JSON.parse(runFactory(['gate', 'history', '--json'], { cwd: ci, env }).stdout);
      assert.equal(history[0].gate, 'ci');
      assert.equal(history[0].status, 'failed');
      assert.equal(history[0].sha, leakyHead);

      const cleanCi = githubCheckout(repo, bare, sha(repo, 'clean'), 'ci-clean');
      const cleanEnv = githubEnv(repo, cleanCi, 'pull_request', pullRequestEvent(repo, 13, 'clean'));
      const passed = runFactory(['gate', 'ci'], { cwd: cleanCi, env: cleanEnv });
      assert.equal(passed.status, 0, passed.stderr);
      assert.match(passed.stderr, /1 commit of github pull_request #13/);
      assert.match(readFileSync(cleanEnv.GITHUB_STEP_SUMMARY!, 'utf8'), /factory gate ci: passed/);
    } finally {
      repo.cleanup();
    }
  });

  it('GitLab merge request pipeline: reads CI_MERGE_REQUEST_* in a clone of the source branch only', () => {
    const { repo, bare } = developerRepo();
    try {
      const run = (branch: string, iid: string) => {
        // A merge request pipeline's clone: the source branch only, its head checked out.
        const dir = join(repo.home, `gitlab-${branch}`);
        mkdirSync(dir);
        git(dir, repo.env, 'init', '-q');
        git(dir, repo.env, 'remote', 'add', 'origin', bare);
        git(dir, repo.env, 'fetch', '-q', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
        git(dir, repo.env, 'checkout', '-q', '--detach', sha(repo, branch));
        const env = runnerEnv(repo, {
          GITLAB_CI: 'true',
          CI_PIPELINE_SOURCE: 'merge_request_event',
          CI_MERGE_REQUEST_IID: iid,
          CI_MERGE_REQUEST_DIFF_BASE_SHA: sha(repo, 'main'),
          CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
          CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch,
          CI_COMMIT_SHA: sha(repo, branch),
          CI_COMMIT_BEFORE_SHA: '0000000000000000000000000000000000000000',
          CI_DEFAULT_BRANCH: 'main',
          CI_PROJECT_PATH: 'group/app',
        });
        return runFactory(['gate', 'ci'], { cwd: dir, env });
      };
      const refused = run('leaky', '4');
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /2 commits of gitlab merge request !4/);
      assert.match(refused.stderr, /secrets {2}src\/leak\.js:1: a GitHub token/);
      assert.ok(!refused.stdout.includes('::error'), 'annotations are GitHub-only');
      const passed = run('clean', '5');
      assert.equal(passed.status, 0, passed.stderr);
      assert.match(passed.stderr, /1 commit of gitlab merge request !5/);
    } finally {
      repo.cleanup();
    }
  });

  it('GitHub push of a new branch: judged against the default branch, fetched when the clone lacks it', () => {
    const { repo, bare } = developerRepo();
    try {
      const dir = join(repo.home, 'push-leaky');
      git(repo.home, repo.env, 'clone', '-q', '--single-branch', '--branch', 'leaky', bare, dir);
      const env = githubEnv(repo, dir, 'push', {
        ref: 'refs/heads/leaky',
        before: '0000000000000000000000000000000000000000',
        after: sha(repo, 'leaky'),
        created: true,
        repository: { full_name: 'acme/app', default_branch: 'main' },
      });
      const refused = runFactory(['gate', 'ci'], { cwd: dir, env });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /2 commits of github push/);
    } finally {
      repo.cleanup();
    }
  });

  it('by hand with --range; without a CI or a range, a shallow clone, a bad range: exit 2 with the fix', () => {
    const { repo, bare } = developerRepo();
    try {
      const env = runnerEnv(repo, {});
      delete env.CI;
      const refused = runFactory(['gate', 'ci', '--range', 'main..leaky'], { cwd: repo.dir, env });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /2 commits of --range main\.\.leaky/);
      const passed = runFactory(['gate', 'ci', '--range', 'main..clean'], { cwd: repo.dir, env });
      assert.equal(passed.status, 0, passed.stderr);

      const none = runFactory(['gate', 'ci'], { cwd: repo.dir, env });
      assert.equal(none.status, 2);
      assert.match(none.stderr, /found no CI environment .* pass --range BASE\.\.HEAD/);
      assert.equal(none.stderr.trim().split('\n').length, 1, 'one sentence, no stack');
      const bad = runFactory(['gate', 'ci', '--range', 'main'], { cwd: repo.dir, env });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--range main is not a range/);
      const unknown = runFactory(['gate', 'ci', '--range', 'main..nowhere'], { cwd: repo.dir, env });
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /commit nowhere is not in this clone; fetch the whole history/);

      // actions/checkout's default depth of 1: refused, never a silently shorter range.
      const shallow = join(repo.home, 'shallow');
      git(repo.home, repo.env, 'clone', '-q', '--depth', '1', '--branch', 'leaky', `file://${bare}`, shallow);
      const shallowEnv = githubEnv(repo, shallow, 'pull_request', pullRequestEvent(repo, 12, 'leaky'));
      const cut = runFactory(['gate', 'ci'], { cwd: shallow, env: shallowEnv });
      assert.equal(cut.status, 2, cut.stderr);
      assert.match(cut.stderr, /shallow|not in this clone/);
      assert.match(cut.stderr, /fetch-depth: 0/);
    } finally {
      repo.cleanup();
    }
  });

  it('forbidden paths in any commit, tasks on the changed files (a fixer that changes one refuses), pre-push commands', () => {
    const { repo } = developerRepo();
    try {
      const bin = join(repo.home, 'bin');
      const checkLog = standIn(bin, 'check-types');
      // A formatter that rewrites "var " to "let ", as a fixer task would before a hooked commit.
      standIn(bin, 'fmt', { script: 'for f in "$@"; do sed -i "s/var /let /" "$f"; done' });
      repo.git('checkout', '-q', '-b', 'config');
      repo.write(
        'factory.config.json',
        `${JSON.stringify({ gates: { preCommit: { tasks: { '*.js': 'fmt' } }, prePush: { commands: [{ name: 'types', run: 'check-types --noEmit' }] } } }, null, 2)}\n`,
      );
      // A human changing the config takes the change on with factory init (else it is tamper evidence).
      const init = runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      repo.git('add', '-f', 'factory.config.json');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'config');
      repo.git('push', '-q', '--no-verify', 'origin', 'config');

      repo.git('checkout', '-q', '-b', 'unformatted');
      repo.write('src/b.js', 'var b = 1;\n');
      repo.git('add', 'src/b.js');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'unformatted');
      repo.write('.env', 'X=1\n');
      repo.git('add', '-f', '.env');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'oops');
      repo.git('rm', '-q', '--cached', '.env');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-m', 'untrack it');
      const env = withPath(runnerEnv(repo, {}), bin);
      delete env.CI;
      const forbidden = runFactory(['gate', 'ci', '--range', 'config..unformatted'], { cwd: repo.dir, env });
      assert.equal(forbidden.status, 1, forbidden.stderr);
      assert.match(forbidden.stderr, /forbidden-paths {2}\.env: a path that must never be committed/);

      repo.git('reset', '-q', '--hard', 'HEAD~2');
      const unformatted = runFactory(['gate', 'ci', '--range', 'config..unformatted'], {
        cwd: repo.dir,
        env,
      });
      assert.equal(unformatted.status, 1, unformatted.stderr);
      assert.match(unformatted.stderr, /tasks {2}src\/b\.js: a pre-commit task changed this file/);
      assert.equal(repo.read('src/b.js'), 'var b = 1;\n', 'the checkout is left as it was');

      repo.write('src/b.js', 'let b = 1;\n');
      pastTheGates(repo, 'commit', '-q', '--no-verify', '-am', 'formatted');
      const ok = runFactory(['gate', 'ci', '--range', 'config..unformatted'], { cwd: repo.dir, env });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(readFileSync(checkLog, 'utf8'), 'check-types --noEmit\n');

      // Tasks and commands run on the checked-out files: a range whose head is elsewhere cannot be judged.
      repo.git('checkout', '-q', 'config');
      const elsewhere = runFactory(['gate', 'ci', '--range', 'config..unformatted'], { cwd: repo.dir, env });
      assert.equal(elsewhere.status, 2, elsewhere.stderr);
      assert.match(elsewhere.stderr, /HEAD is [0-9a-f]{12}, not the range's head/);
    } finally {
      repo.cleanup();
    }
  });
});
