import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';
import { initFactory } from '../helpers.js';

/** One hash of everything init may touch: the working tree (modes too), .git/config, info/exclude, hooks. */
function fingerprint(repo: TempRepo): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = relative(repo.dir, full);
      if (rel === '.git/objects' || rel === '.git/logs' || rel === '.git/refs') continue;
      if (rel === '.git/index' || rel === '.git/ORIG_HEAD' || rel === '.git/COMMIT_EDITMSG') continue;
      const stat = statSync(full);
      hash.update(`${rel}\0${stat.mode.toString(8)}\0`);
      if (stat.isDirectory()) walk(full);
      else hash.update(readFileSync(full));
    }
  };
  walk(repo.dir);
  return hash.digest('hex');
}

function uninstall(repo: TempRepo, args: string[] = []) {
  return runFactory(['uninstall', ...args], { cwd: repo.dir, env: repo.env });
}

describe('factory uninstall', () => {
  it('init then uninstall leaves a TypeScript repository byte-identical, with its own hooks, settings and exclude lines restored', () => {
    const settings = '{\n  "permissions": { "allow": ["Bash(ls)"] }\n}\n';
    const repo = makeTempRepo({
      files: { 'package.json': '{ "name": "app" }\n', '.claude/settings.local.json': settings },
    });
    try {
      repo.git('rm', '-q', '--cached', '.claude/settings.local.json');
      repo.git('commit', '-q', '-m', 'untrack');
      writeFileSync(repo.path('.git/info/exclude'), '# mine\n/.claude/settings.local.json\n');
      writeFileSync(repo.path('.git/hooks/pre-commit'), '#!/bin/sh\necho mine\n');
      chmodSync(repo.path('.git/hooks/pre-commit'), 0o755);
      repo.git('config', 'user.useConfigOnly', 'true');
      const before = fingerprint(repo);
      const init = initFactory(repo);
      assert.equal(init.status, 0, init.stderr);
      assert.notEqual(fingerprint(repo), before);

      const dry = uninstall(repo, ['--dry-run']);
      assert.equal(dry.status, 0, dry.stderr);
      assert.match(dry.stdout, /restore \.claude\/settings\.local\.json/);
      assert.match(dry.stdout, /git config --unset core\.hooksPath/);
      assert.match(dry.stdout, /pass --remove-state/);
      assert.notEqual(fingerprint(repo), before, '--dry-run changes nothing');

      const kept = uninstall(repo);
      assert.equal(kept.status, 0, kept.stderr);
      assert.ok(existsSync(repo.path('.factory/state.db')), 'the state store stays unless asked');
      assert.equal(repo.git('status', '--porcelain', '--untracked-files=all'), '');
      assert.equal(repo.read('.claude/settings.local.json'), settings);
      assert.equal(repo.tryGit('config', 'core.hooksPath').status, 1);

      // Once more with the state: then nothing at all is left.
      assert.equal(initFactory(repo).status, 0);
      const gone = uninstall(repo, ['--remove-state']);
      assert.equal(gone.status, 0, gone.stderr);
      assert.equal(fingerprint(repo), before);
      const again = uninstall(repo);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /nothing to uninstall/);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps what the user changed after init: their settings keys, an edited skill; takes factory’s part out', () => {
    const repo = makeTempRepo({ files: { 'pyproject.toml': '[project]\nname = "app"\n' } });
    try {
      assert.equal(initFactory(repo).status, 0);
      const local = JSON.parse(repo.read('.claude/settings.local.json'));
      writeFileSync(
        repo.path('.claude/settings.local.json'),
        `${JSON.stringify({ ...local, model: 'opus' }, null, 2)}\n`,
      );
      const skill = readdirSync(repo.path('.claude/skills')).find((name) => !name.startsWith('.'));
      assert.ok(skill);
      writeFileSync(repo.path('.claude/skills', skill, 'SKILL.md'), 'my own version\n');
      const result = uninstall(repo, ['--remove-state']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        /keep \.claude\/skills\/[\w-]+ \(a skill factory installed, edited since\)/,
      );
      assert.deepEqual(JSON.parse(repo.read('.claude/settings.local.json')), { model: 'opus' });
      assert.equal(repo.read(join('.claude/skills', skill, 'SKILL.md')), 'my own version\n');
      assert.ok(!existsSync(repo.path('.husky')));
      assert.ok(!existsSync(repo.path('factory.config.json')));
    } finally {
      repo.cleanup();
    }
  });

  it('team mode: a plain uninstall leaves the committed setup for the team; --team removes it too', () => {
    const repo = makeTempRepo({ files: { 'pyproject.toml': '[project]\nname = "app"\n' } });
    try {
      assert.equal(initFactory(repo, ['--team']).status, 0);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'factory');
      const committed = repo.git('ls-files');
      const local = uninstall(repo);
      assert.equal(local.status, 0, local.stderr);
      assert.match(local.stdout, /pass --team to remove them too/);
      assert.equal(repo.git('ls-files'), committed);
      assert.equal(repo.git('status', '--porcelain'), '', 'no committed file changed');
      assert.equal(repo.tryGit('config', 'core.hooksPath').status, 1);

      assert.equal(initFactory(repo).status, 0, 'init in the team clone again');
      const all = uninstall(repo, ['--team', '--remove-state']);
      assert.equal(all.status, 0, all.stderr);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'remove factory');
      assert.equal(repo.git('ls-files'), 'pyproject.toml\n');
      assert.doesNotMatch(readFileSync(repo.path('.git/config'), 'utf8'), /factory|hooksPath/);
      assert.ok(!existsSync(repo.path('.husky')) && !existsSync(repo.path('.claude')));
    } finally {
      repo.cleanup();
    }
  });
});
