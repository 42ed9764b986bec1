import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { factoryBin, makeTempRepo, projectRoot, runFactory, type TempRepo } from '@factory/testkit';
import { gitWith, head, initFactory, standIn, treeBytes, withPath } from '../helpers.js';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

function commitSecret(repo: TempRepo, env: NodeJS.ProcessEnv = repo.env) {
  repo.write('leak.txt', `${AWS_KEY}\n`);
  repo.git('add', 'leak.txt');
  const result = gitWith(repo, env, 'commit', '-m', 'leak');
  repo.git('rm', '-q', '--cached', 'leak.txt');
  rmSync(repo.path('leak.txt'));
  return result;
}

function commitClean(repo: TempRepo, env: NodeJS.ProcessEnv = repo.env, name = 'clean.txt') {
  repo.write(name, `fine ${Math.random()}\n`);
  repo.git('add', name);
  return gitWith(repo, env, 'commit', '-m', `clean ${name}`);
}

describe('factory init', () => {
  it('personal mode: hooks, config, state and guard, all kept out of git; package.json untouched; a second run changes nothing', () => {
    const pkg = '{\n    "name": "app",\n    "scripts": { "test": "true" }\n}\n';
    const repo = makeTempRepo({ files: { 'package.json': pkg } });
    try {
      const first = initFactory(repo);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /personal mode, preset typescript/);
      assert.equal(repo.read('package.json'), pkg);
      assert.equal(
        repo.git('status', '--porcelain', '--untracked-files=all'),
        '',
        'nothing factory wrote shows up in git status, its skills included',
      );
      // A skill of the team's own, next to factory's, is not hidden: only factory's folders are excluded.
      repo.write(
        '.claude/skills/our-deploys/SKILL.md',
        '---\nname: our-deploys\ndescription: how we deploy\n---\n',
      );
      assert.equal(
        repo.git('status', '--porcelain', '--untracked-files=all'),
        '?? .claude/skills/our-deploys/SKILL.md\n',
      );
      rmSync(repo.path('.claude/skills/our-deploys'), { recursive: true });
      assert.match(repo.read('.husky/pre-commit'), /gate pre-commit/);
      assert.equal(repo.git('config', 'core.hooksPath').trim(), repo.path('.husky/_'));
      const config = JSON.parse(repo.read('factory.config.json'));
      assert.equal(config.extends, 'typescript');
      assert.ok(existsSync(config.$schema), 'the $schema points at the shipped schema');
      assert.ok(existsSync(repo.path('.factory/state.db')));
      const settings = JSON.parse(repo.read('.claude/settings.local.json'));
      assert.match(settings.hooks.PreToolUse[0].hooks[0].command, /hook pre-tool-use/);
      assert.ok(
        existsSync(repo.path('.claude/skills/typescript-quality/SKILL.md')),
        'the preset’s skills are installed',
      );

      assert.doesNotMatch(first.stderr, /warning/, 'a healthy install has nothing to warn about');
      const huskyOff = initFactory(repo, [], { ...repo.env, HUSKY: '0' });
      assert.match(huskyOff.stderr, /factory: warning: HUSKY=0 is set in this environment/);
      const bytes = treeBytes(repo);
      const second = initFactory(repo);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /nothing changed/);
      assert.deepEqual(treeBytes(repo), bytes);
      const dry = runFactory(['init', '--dry-run'], { cwd: repo.dir, env: repo.env });
      assert.match(dry.stdout, /nothing to change/);
    } finally {
      repo.cleanup();
    }
  });

  it('--dry-run lists every change and writes nothing; without --yes and without a terminal it refuses', () => {
    const repo = makeTempRepo({ files: { 'README.md': '#\n' } });
    try {
      const before = treeBytes(repo);
      const dry = runFactory(['init', '--dry-run'], { cwd: repo.dir, env: repo.env });
      assert.equal(dry.status, 0, dry.stderr);
      for (const expected of [
        'create factory.config.json',
        'create .husky/pre-commit',
        'create .husky/pre-push',
        'update .git/info/exclude',
        'create .claude/settings.local.json',
        'git config core.hooksPath',
        'create .factory/state.db',
      ]) {
        assert.ok(dry.stdout.includes(expected), `missing "${expected}" in\n${dry.stdout}`);
      }
      assert.deepEqual(treeBytes(repo), before);
      const asked = runFactory(['init'], { cwd: repo.dir, env: repo.env });
      assert.equal(asked.status, 2);
      assert.match(asked.stderr, /pass --yes/);
      assert.deepEqual(treeBytes(repo), before);
    } finally {
      repo.cleanup();
    }
  });

  it('works from a subfolder and gates commits made in a new worktree', () => {
    const repo = makeTempRepo({ files: { 'src/deep/a.txt': 'a\n' } });
    try {
      const init = runFactory(['init', '--yes'], { cwd: repo.path('src/deep'), env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      assert.ok(existsSync(repo.path('.husky/pre-commit')));
      const tree = join(repo.home, 'wt');
      repo.git('worktree', 'add', '-q', '-b', 'side', tree);
      writeFileSync(join(tree, 'leak.txt'), `${AWS_KEY}\n`);
      const add = gitWith({ ...repo, dir: tree } as TempRepo, repo.env, 'add', 'leak.txt');
      assert.equal(add.status, 0);
      const commit = gitWith(
        { ...repo, dir: tree } as TempRepo,
        repo.env,
        'commit',
        '-m',
        'leak in worktree',
      );
      assert.notEqual(commit.status, 0, 'the worktree is gated too');
      assert.match(commit.stderr, /aws-access-key-id/);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps a team’s husky hooks running (personal mode wraps husky, tracked files untouched); team mode merges', () => {
    const repo = makeTempRepo({
      files: { '.husky/pre-commit': 'echo husky-ran >> "$HOME/husky.log"\n', 'README.md': '#\n' },
    });
    try {
      repo.git('config', 'core.hooksPath', '.husky/_');
      const init = initFactory(repo);
      assert.equal(init.status, 0, init.stderr);
      assert.equal(repo.read('.husky/pre-commit'), 'echo husky-ran >> "$HOME/husky.log"\n');
      assert.deepEqual(
        repo
          .git('status', '--porcelain', '--untracked-files=all')
          .split('\n')
          .filter((line) => line && !line.startsWith('?? .claude/skills/')),
        [],
      );
      assert.notEqual(commitSecret(repo).status, 0, 'factory gates the commit');
      assert.equal(commitClean(repo).status, 0);
      assert.match(readFileSync(join(repo.home, 'husky.log'), 'utf8'), /husky-ran/);
      const bytes = treeBytes(repo);
      assert.equal(initFactory(repo).status, 0);
      assert.deepEqual(treeBytes(repo), bytes, 'idempotent with husky too');

      // npm install runs husky's install ("prepare"): it rewrites .husky/_ and sets core.hooksPath to
      // .husky/_ again. factory's hooks are out of its reach, and still come first.
      const husky = spawnSync(process.execPath, [join(projectRoot, 'node_modules/husky/bin.js')], {
        cwd: repo.dir,
        env: repo.env,
        encoding: 'utf8',
      });
      assert.equal(husky.status, 0, husky.stderr);
      assert.match(readFileSync(repo.path('.git/config'), 'utf8'), /hooksPath = \.husky\/_/);
      assert.notEqual(commitSecret(repo).status, 0, 'still gated after husky reinstalled itself');
      rmSync(join(repo.home, 'husky.log'));
      assert.equal(commitClean(repo, repo.env, 'after-husky.txt').status, 0);
      assert.match(readFileSync(join(repo.home, 'husky.log'), 'utf8'), /husky-ran/);
      const healthy = runFactory(['doctor', '--json'], { cwd: repo.dir, env: repo.env });
      assert.deepEqual(JSON.parse(healthy.stdout).findings, []);
      // Where factory's hooks were inside husky's folder (an earlier release), doctor names the cause.
      repo.git('config', '--unset', 'include.path', 'factory-hooks.config');
      const legacy = runFactory(['doctor', '--json'], { cwd: repo.dir, env: repo.env });
      assert.match(legacy.stdout, /"id":\s*"huskyRewroteWrapper"/);
      assert.match(legacy.stdout, /npm install runs it/);
      assert.equal(initFactory(repo).status, 0, 'init mends it');
      assert.equal(runFactory(['doctor'], { cwd: repo.dir, env: repo.env }).status, 0);

      const team = initFactory(repo, ['--team']);
      assert.equal(team.status, 0, team.stderr);
      const script = repo.read('.husky/pre-commit');
      assert.ok(script.startsWith('echo husky-ran'), 'the team’s own line is kept');
      assert.match(script, /factory_run gate pre-commit/);
      rmSync(join(repo.home, 'husky.log'));
      assert.notEqual(commitSecret(repo).status, 0);
      assert.equal(commitClean(repo, repo.env, 'two.txt').status, 0);
      assert.match(readFileSync(join(repo.home, 'husky.log'), 'utf8'), /husky-ran/);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps pre-commit/prek and plain .git/hooks running (chained, with pre-push stdin), refuses a dormant manager without --force', () => {
    const repo = makeTempRepo({ files: { '.pre-commit-config.yaml': 'repos: []\n', 'README.md': '#\n' } });
    try {
      const refused = initFactory(repo);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /pre-commit\/prek, but its git hooks are not installed/);
      assert.equal(existsSync(repo.path('.husky')), false, 'a refusal writes nothing');

      const bin = join(repo.home, 'bin');
      const log = standIn(bin, 'pre-commit');
      // What `pre-commit install` writes, in short: a script that hands over to the pre-commit tool.
      writeFileSync(
        repo.path('.git/hooks/pre-commit'),
        '#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexec pre-commit hook-impl --hook-type=pre-commit -- "$@"\n',
      );
      writeFileSync(
        repo.path('.git/hooks/pre-push'),
        `#!/bin/sh\ncat > '${join(repo.home, 'push-stdin')}'\n`,
      );
      chmodSync(repo.path('.git/hooks/pre-commit'), 0o755);
      chmodSync(repo.path('.git/hooks/pre-push'), 0o755);
      const init = initFactory(repo);
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /keeps running: pre-commit \(pre-commit/);
      const env = withPath(repo.env, bin);
      assert.notEqual(commitSecret(repo, env).status, 0);
      assert.equal(commitClean(repo, env).status, 0);
      assert.match(readFileSync(log, 'utf8'), /pre-commit hook-impl --hook-type=pre-commit/);
      repo.addBareRemote();
      const push = gitWith(repo, env, 'push', '-q', 'origin', 'main');
      assert.equal(push.status, 0, push.stderr);
      assert.match(
        readFileSync(join(repo.home, 'push-stdin'), 'utf8'),
        /^refs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}/,
      );
      const bytes = treeBytes(repo);
      assert.equal(initFactory(repo).status, 0);
      assert.deepEqual(treeBytes(repo), bytes);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps a plain .git/hooks/pre-commit (and a lefthook stub) running, and its refusal still refuses', () => {
    const repo = makeTempRepo({
      files: { 'README.md': '#\n', 'lefthook.yml': 'pre-commit:\n  commands: {}\n' },
    });
    try {
      const marker = join(repo.home, 'plain-ran');
      writeFileSync(
        repo.path('.git/hooks/pre-commit'),
        `#!/bin/sh\n# lefthook stub, in short\necho "$@" >> '${marker}'\nif git diff --cached --name-only | grep -q blocked; then echo "plain hook says no" >&2; exit 1; fi\n`,
      );
      chmodSync(repo.path('.git/hooks/pre-commit'), 0o755);
      const init = initFactory(repo);
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /keeps running: pre-commit \(lefthook/);
      assert.equal(commitClean(repo).status, 0);
      assert.ok(existsSync(marker), 'the earlier hook ran');
      repo.write('blocked.txt', 'x\n');
      repo.git('add', 'blocked.txt');
      const refused = gitWith(repo, repo.env, 'commit', '-m', 'blocked');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /plain hook says no/);
      const bytes = treeBytes(repo);
      assert.equal(initFactory(repo).status, 0);
      assert.deepEqual(treeBytes(repo), bytes);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps the hooks of a custom core.hooksPath (.githooks) running, also after a second init', () => {
    const repo = makeTempRepo({
      files: {
        'README.md': '#\n',
        '.githooks/pre-commit': '#!/bin/sh\necho githooks-ran >> "$HOME/githooks.log"\n',
      },
    });
    try {
      chmodSync(repo.path('.githooks/pre-commit'), 0o755);
      repo.git('config', 'core.hooksPath', '.githooks');
      assert.equal(initFactory(repo).status, 0);
      assert.equal(initFactory(repo).status, 0, 'a second run still knows the chained folder');
      assert.equal(repo.git('config', 'factory.chainedHooksPath').trim(), '.githooks');
      assert.notEqual(commitSecret(repo).status, 0);
      assert.equal(commitClean(repo).status, 0);
      assert.match(readFileSync(join(repo.home, 'githooks.log'), 'utf8'), /githooks-ran/);
    } finally {
      repo.cleanup();
    }
  });

  it('team mode: committed hooks, settings.json, a prepare script; converts back to personal', () => {
    const repo = makeTempRepo({ files: { 'package.json': '{\n  "name": "app"\n}\n' } });
    try {
      const team = initFactory(repo, ['--team']);
      assert.equal(team.status, 0, team.stderr);
      const pkg = JSON.parse(repo.read('package.json'));
      assert.equal(pkg.scripts.prepare, 'husky');
      assert.equal(
        JSON.parse(repo.read('factory.config.json')).$schema,
        undefined,
        'no machine path in a committed config',
      );
      assert.match(team.stdout, /commit \.husky\//);
      assert.ok(pkg.devDependencies.husky);
      assert.equal(repo.git('config', 'core.hooksPath').trim(), repo.path('.husky/_'));
      const status = repo.git('status', '--porcelain', '--untracked-files=all');
      for (const file of [
        '.husky/pre-commit',
        '.husky/pre-push',
        'factory.config.json',
        '.claude/settings.json',
        'package.json',
      ]) {
        assert.ok(status.includes(file), `${file} is meant to be committed:\n${status}`);
      }
      assert.doesNotMatch(status, /\.factory\//);
      assert.doesNotMatch(
        repo.read('.husky/pre-commit'),
        new RegExp(process.execPath.replaceAll('/', '\\/')),
        'no machine path in a committed hook',
      );
      const settings = repo.read('.claude/settings.json');
      for (const machinePath of [process.execPath, factoryBin, repo.dir]) {
        assert.ok(
          !settings.includes(machinePath),
          `no machine path in committed Claude settings: ${machinePath}`,
        );
      }
      // The committed guard entry finds factory through this clone's git config and decides.
      const command = JSON.parse(settings).hooks.PreToolUse[0].hooks[0].command as string;
      const payload = JSON.stringify({
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'git push --force origin main' },
        cwd: repo.dir,
      });
      const decided = spawnSync('sh', ['-c', command], {
        input: payload,
        encoding: 'utf8',
        cwd: repo.dir,
        env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir },
      });
      assert.equal(decided.status, 0, decided.stderr);
      assert.equal(JSON.parse(decided.stdout).hookSpecificOutput.permissionDecision, 'deny');
      // With factory out of reach, it refuses (exit 2) with the fix.
      const lost = spawnSync('sh', ['-c', command], {
        input: payload,
        encoding: 'utf8',
        cwd: repo.dir,
        env: {
          ...repo.env,
          CLAUDE_PROJECT_DIR: repo.dir,
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_DIR: '/nonexistent',
          PATH: '/usr/bin:/bin',
        },
      });
      assert.equal(lost.status, 2);
      assert.match(lost.stderr, /factory guard is not reachable.*run npm install or factory init/);
      repo.git('add', '-A');
      const bin = join(repo.home, 'bin');
      const biome = standIn(bin, 'biome');
      const env = withPath(repo.env, bin);
      assert.notEqual(commitSecret(repo, env).status, 0);
      const commit = gitWith(repo, env, 'commit', '-qm', 'factory (team)');
      assert.equal(commit.status, 0, commit.stderr);
      assert.match(
        readFileSync(biome, 'utf8'),
        /biome check --write --no-errors-on-unmatched .*package\.json/,
      );

      const personal = initFactory(repo, ['--personal']);
      assert.equal(personal.status, 0, personal.stderr);
      assert.equal(
        existsSync(repo.path('.claude/settings.json'))
          ? JSON.parse(repo.read('.claude/settings.json')).hooks
          : undefined,
        undefined,
      );
      assert.ok(JSON.parse(repo.read('.claude/settings.local.json')).hooks.PreToolUse);
      assert.match(personal.stdout, /git rm --cached/);
    } finally {
      repo.cleanup();
    }
  });

  it('merges the guard into existing Claude settings, keeping every other key and entry; refuses an invalid file untouched', () => {
    const repo = makeTempRepo({ files: { 'README.md': '#\n' } });
    try {
      const own = {
        permissions: { allow: ['Bash(npm test)'] },
        hooks: {
          PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-own-check' }] }],
          Notification: [{ hooks: [{ type: 'command', command: 'notify-send hi' }] }],
        },
        env: { A: '1' },
      };
      repo.write('.claude/settings.local.json', JSON.stringify(own));
      assert.equal(initFactory(repo).status, 0);
      const merged = JSON.parse(repo.read('.claude/settings.local.json'));
      assert.deepEqual(merged.permissions, own.permissions);
      assert.deepEqual(merged.env, own.env);
      assert.deepEqual(merged.hooks.Notification, own.hooks.Notification);
      assert.deepEqual(merged.hooks.PreToolUse[0], own.hooks.PreToolUse[0]);
      assert.equal(merged.hooks.PreToolUse.length, 2);
      const bytes = repo.read('.claude/settings.local.json');
      assert.equal(initFactory(repo).status, 0);
      assert.equal(repo.read('.claude/settings.local.json'), bytes, 'byte-identical second run');

      repo.write('.claude/settings.local.json', '{ "hooks": [ }');
      const before = treeBytes(repo);
      const bad = initFactory(repo);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /settings\.local\.json is not valid JSON/);
      assert.deepEqual(treeBytes(repo), before);

      repo.write('.claude/settings.local.json', '{}');
      repo.write('.claude/settings.json', '{ "hooks": { "PreToolUse": {} } }');
      const wrongShape = initFactory(repo, ['--team']);
      assert.equal(wrongShape.status, 2);
      assert.match(
        wrongShape.stderr,
        /settings\.json is not a Claude Code settings file as expected: "hooks\.PreToolUse" must be an array/,
      );
      assert.equal(repo.read('.claude/settings.json'), '{ "hooks": { "PreToolUse": {} } }');
      rmSync(repo.path('.claude/settings.json'));
      repo.write('factory.config.json', '{ "gates": { "preCommit": { "tasks": 5 } } }');
      const badConfig = initFactory(repo);
      assert.equal(badConfig.status, 2);
      assert.match(badConfig.stderr, /factory\.config\.json: gates\.preCommit\.tasks must be object/);
      assert.equal(repo.read('factory.config.json'), '{ "gates": { "preCommit": { "tasks": 5 } } }');
    } finally {
      repo.cleanup();
    }
  });

  it('a Python repository without node_modules: the python preset’s tools run; an unreachable factory refuses the commit with the fix', () => {
    const repo = makeTempRepo({
      files: { 'pyproject.toml': '[project]\nname = "p"\n', 'app.py': 'x = 1\n' },
    });
    const nodeDir = join(repo.home, 'node-copy');
    try {
      // Install with a node of its own, so that the test can take it away afterwards.
      mkdirSync(nodeDir, { recursive: true });
      const node = join(nodeDir, 'node');
      try {
        linkSync(process.execPath, node);
      } catch {
        copyFileSync(process.execPath, node);
        chmodSync(node, 0o755);
      }
      const init = spawnSync(node, [factoryBin, 'init', '--yes'], {
        cwd: repo.dir,
        env: repo.env,
        encoding: 'utf8',
      });
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /preset python/);
      assert.equal(existsSync(repo.path('node_modules')), false);

      const bin = join(repo.home, 'bin');
      const ruff = standIn(bin, 'ruff');
      const ty = standIn(bin, 'ty');
      const tach = standIn(bin, 'tach');
      const gitleaks = standIn(bin, 'gitleaks');
      const env = withPath(repo.env, bin);
      repo.write('app.py', 'x = 2\n');
      repo.git('add', 'app.py');
      const commit = gitWith(repo, env, 'commit', '-m', 'py');
      assert.equal(commit.status, 0, commit.stderr);
      assert.equal(
        readFileSync(ruff, 'utf8'),
        `ruff check --fix ${repo.path('app.py')}\nruff format ${repo.path('app.py')}\n`,
      );
      assert.match(readFileSync(gitleaks, 'utf8'), /gitleaks git --pre-commit --staged/);
      repo.addBareRemote();
      const push = gitWith(repo, env, 'push', '-q', 'origin', 'main');
      assert.equal(push.status, 0, push.stderr);
      assert.equal(readFileSync(ty, 'utf8'), 'ty check\n');
      assert.equal(readFileSync(tach, 'utf8'), 'tach check\n');

      rmSync(nodeDir, { recursive: true, force: true });
      repo.write('app.py', 'x = 3\n');
      repo.git('add', 'app.py');
      const before = head(repo);
      const refused = gitWith(repo, env, 'commit', '-m', 'unreachable');
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /the factory gate is not reachable from this git hook/);
      assert.match(refused.stderr, /fix: reinstall factory, then run factory init/);
      assert.equal(head(repo), before);
    } finally {
      repo.cleanup();
    }
  });
});
