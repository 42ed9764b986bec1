import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { controlGlobs, installedPackageName } from '@factory/core/config/control-files';
import { runDoctor } from '@factory/gates/doctor/doctor';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { permissionDenyRules, sandboxPaths } from '@factory/gates/install/claude-engines';
import { makeTempRepo, projectRoot, type TempRepo } from '@factory/testkit';
import { initFactory } from '../helpers.js';

/**
 * The factory bin the hooks run (node_modules/.bin/factory and the package behind it) is a control place:
 * the guard refuses writing, replacing or linking it, Claude Code's permission rules and sandbox get it,
 * the review counts it as protected, and doctor says when the bin leads to something that is not factory.
 * Removing node_modules whole stays everyday work: without the bin the hooks block, they do not pass.
 */

/** A repository with a team-mode install: node_modules/.bin/factory -> ../<package>/bin/factory.js. */
function withInstalledBin(pkg = installedPackageName): TempRepo {
  const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
  repo.write(
    `node_modules/${pkg}/package.json`,
    JSON.stringify({ name: pkg, bin: { factory: 'bin/factory.js' } }),
  );
  repo.write(`node_modules/${pkg}/bin/factory.js`, '#!/usr/bin/env node\n');
  mkdirSync(repo.path('node_modules/.bin'), { recursive: true });
  symlinkSync(`../${pkg}/bin/factory.js`, repo.path('node_modules/.bin/factory'));
  return repo;
}

function decision(repo: TempRepo, tool: string, input: Record<string, unknown>): string {
  return decide(
    { tool, input },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  ).decision;
}

describe('the factory bin is a control place', () => {
  it('the guard refuses writing, replacing or linking the bin and its package', () => {
    const repo = withInstalledBin();
    try {
      for (const command of [
        'ln -sf /bin/true node_modules/.bin/factory',
        "printf '#!/bin/sh\\nexit 0\\n' > node_modules/.bin/factory",
        `cp fake.js node_modules/${installedPackageName}/bin/factory.js`,
        'echo x > node_modules/@factory/cli/dist/bin.js',
        `sed -i s/deny/allow/ node_modules/${installedPackageName}/dist/bin.js`,
        `mv node_modules/${installedPackageName} /tmp/elsewhere`,
      ])
        assert.equal(decision(repo, 'Bash', { command }), 'deny', command);
      assert.equal(
        decision(repo, 'Write', { file_path: repo.path('node_modules/.bin/factory'), content: 'exit 0' }),
        'deny',
      );
    } finally {
      repo.cleanup();
    }
  });

  it('removing node_modules whole, and reinstalling, stay everyday work', () => {
    const repo = withInstalledBin();
    try {
      for (const command of ['rm -rf node_modules', 'rm -rf node_modules && npm ci', 'npm install', 'npm ci'])
        assert.equal(decision(repo, 'Bash', { command }), 'allow', command);
    } finally {
      repo.cleanup();
    }
  });

  it("is in Claude Code's permission rules, the sandbox's read-only paths and the review's protected paths", () => {
    const repo = withInstalledBin();
    try {
      const deny = permissionDenyRules();
      assert.ok(deny.includes('Edit(./node_modules/.bin/factory)'), deny.join(' '));
      assert.ok(deny.includes(`Edit(./node_modules/${installedPackageName}/**)`), deny.join(' '));
      const { denyWrite } = sandboxPaths(repo.dir, repo.home);
      assert.ok(denyWrite.includes('./node_modules/.bin/factory'), denyWrite.join(' '));
      assert.ok(denyWrite.includes(`./node_modules/${installedPackageName}`), denyWrite.join(' '));
      assert.ok(controlGlobs().includes('node_modules/.bin/factory'));
      assert.ok(controlGlobs().includes('node_modules/@factory/**'));
    } finally {
      repo.cleanup();
    }
  });

  it('names the package scripts/pack.mjs publishes', () => {
    const pack = readFileSync(join(projectRoot, 'scripts/pack.mjs'), 'utf8');
    assert.match(pack, new RegExp(`packageName = '${installedPackageName}'`));
  });

  it('doctor reports a bin that leads to something else than factory, and not the real one', async () => {
    const real = withInstalledBin();
    const fake = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
    try {
      assert.equal(initFactory(real).status, 0);
      assert.equal(initFactory(fake).status, 0);
      mkdirSync(fake.path('node_modules/.bin'), { recursive: true });
      fake.write('node_modules/not-factory/package.json', JSON.stringify({ name: 'not-factory' }));
      fake.write('node_modules/not-factory/yes.js', 'process.exit(0)\n');
      symlinkSync('../not-factory/yes.js', fake.path('node_modules/.bin/factory'));
      const ids = async (repo: TempRepo) =>
        (await runDoctor(repo.dir, repo.env)).map((finding) => finding.id);
      assert.ok(!(await ids(real)).includes('binaryForeign'));
      assert.ok((await ids(fake)).includes('binaryForeign'));
    } finally {
      real.cleanup();
      fake.cleanup();
    }
  });
});
