import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';
import { initFactory } from '../helpers.js';

/** Every committed file's text: what a teammate's clone receives. */
function committedText(dir: string, env: NodeJS.ProcessEnv): string {
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: dir, env, encoding: 'utf8' }).stdout.split('\0');
  return files
    .filter(Boolean)
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
}

describe('factory init in team mode', () => {
  it('in a clone of a team repository stays in team mode and changes nothing committed; no machine path is committed', () => {
    const repo = makeTempRepo({ files: { 'package.json': '{\n  "name": "app"\n}\n' } });
    try {
      // Personal first (its config carries this machine's $schema), then converted to team.
      assert.equal(initFactory(repo).status, 0);
      assert.match(repo.read('factory.config.json'), /"\$schema": "\//);
      const team = initFactory(repo, ['--team']);
      assert.equal(team.status, 0, team.stderr);
      repo.git('add', '-A');
      repo.git('commit', '-q', '--no-verify', '-m', 'factory, team mode');
      const committed = committedText(repo.dir, repo.env);
      for (const machinePath of [dirname(repo.dir), process.execPath, dirname(process.execPath)]) {
        assert.ok(!committed.includes(machinePath), `no committed file mentions ${machinePath}`);
      }

      const clone = join(dirname(repo.dir), 'clone');
      spawnSync('git', ['clone', '-q', repo.dir, clone], { env: repo.env });
      const init = runFactory(['init', '--yes'], { cwd: clone, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, /team mode/);
      const git = (...args: string[]) =>
        spawnSync('git', args, { cwd: clone, env: repo.env, encoding: 'utf8' }).stdout;
      assert.equal(git('config', 'factory.mode').trim(), 'team');
      assert.equal(git('status', '--porcelain', '--untracked-files=all'), '', 'nothing committed changed');
      assert.equal(git('config', 'core.hooksPath').trim(), join(clone, '.husky/_'));
      const doctor = runFactory(['doctor', '--json'], { cwd: clone, env: repo.env });
      assert.deepEqual(
        JSON.parse(doctor.stdout)
          .findings.map((f: { id: string }) => f.id)
          .filter((id: string) => id !== 'toolMissing'), // no biome or tsc here: a preset-tools test covers it
        [],
        doctor.stdout,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('--team keeps package-lock.json consistent: npm ci passes', () => {
    const repo = makeTempRepo({
      files: { 'package.json': '{\n  "name": "app",\n  "version": "1.0.0"\n}\n' },
    });
    try {
      const npm = (...args: string[]) =>
        spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
          cwd: repo.dir,
          env: process.env,
          encoding: 'utf8',
        });
      const lock = npm('install', '--package-lock-only');
      assert.equal(lock.status, 0, lock.stderr);
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'lock');
      const init = initFactory(repo, ['--team']);
      assert.equal(init.status, 0, init.stderr);
      assert.match(repo.read('package-lock.json'), /"node_modules\/husky"/);
      const ci = npm('ci', '--ignore-scripts');
      assert.equal(ci.status, 0, ci.stderr);
    } finally {
      repo.cleanup();
    }
  });
});
