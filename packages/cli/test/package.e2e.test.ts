import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installedPackageName } from '@factory/core/config/control-files';
import { isolatedGitEnv, projectRoot } from '@factory/testkit';
import { codeCachePath } from '../src/fast-path.js';

const AWS_KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

/**
 * The packed factory, as a user gets it: scripts/pack.mjs makes one tarball, npm installs it into a
 * temporary prefix with an empty npm cache and --offline (so its dependencies must be inside it), and its
 * `factory` sets up repositories that have no node_modules at all.
 */
describe('the packed factory (one tarball)', () => {
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'factory-pack-')));
  const home = join(work, 'home');
  const prefix = join(work, 'prefix');
  const tools = join(work, 'tools');
  let tarball = '';
  let factory = '';
  mkdirSync(home, { recursive: true });
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    tarball = execFileSync(
      process.execPath,
      [join(projectRoot, 'scripts/pack.mjs'), '--out', join(work, 'out')],
      {
        encoding: 'utf8',
      },
    ).trim();
    const install = spawnSync(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        tarball,
      ],
      // A new HOME: an empty npm cache, so nothing can come from it; --offline: nothing from the registry.
      { env: { ...process.env, HOME: home, npm_config_cache: join(home, '.npm') }, encoding: 'utf8' },
    );
    assert.equal(install.status, 0, install.stderr);
    factory = join(prefix, 'bin', 'factory');
    // Stand-ins for the presets' tools: they record their arguments and pass.
    mkdirSync(tools, { recursive: true });
    for (const tool of ['ruff', 'ty', 'tach', 'biome', 'tsc']) {
      writeFileSync(join(tools, tool), `#!/bin/sh\necho "${tool} $*" >> '${join(tools, 'calls.log')}'\n`);
      chmodSync(join(tools, tool), 0o755);
    }
  });

  it('is one package that depends on nothing named @factory/*, with presets, skills and the schema inside', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    for (const file of [
      'package/dist/bin.js',
      'package/presets/python.json',
      'package/schema/factory.schema.json',
    ]) {
      assert.ok(listing.includes(file), `${file} is in the tarball`);
    }
    assert.match(listing, /package\/skills\/factory-workflow\/SKILL\.md/);
    assert.match(listing, /package\/node_modules\/yargs\//, 'third-party dependencies are inside');
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    assert.deepEqual(
      Object.keys(manifest.dependencies).filter((name) => name.startsWith('@factory/')),
      [],
    );
    assert.deepEqual(manifest.bundleDependencies, Object.keys(manifest.dependencies));
    assert.ok(!listing.includes('package/node_modules/@factory/'));
  });

  for (const kind of ['python', 'typescript'] as const) {
    it(`installed with npm, sets up a ${kind} repository without node_modules: a gated first commit, a refused secret`, () => {
      const repo = join(work, kind);
      mkdirSync(repo, { recursive: true });
      const compileCache = join(work, `compile-cache-${kind}`);
      const env = {
        ...isolatedGitEnv(home),
        // The node that runs the tests, not necessarily first on the user's PATH: the hooks must not care.
        PATH: [tools, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
        NODE_COMPILE_CACHE: compileCache,
      };
      const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      if (kind === 'python') {
        writeFileSync(join(repo, 'pyproject.toml'), '[project]\nname = "app"\n');
        writeFileSync(join(repo, 'app.py'), 'print("hello")\n');
      } else {
        writeFileSync(join(repo, 'package.json'), '{ "name": "app" }\n');
        writeFileSync(join(repo, 'index.ts'), 'export const x = 1;\n');
      }
      const init = spawnSync(factory, ['init', '--yes'], { cwd: repo, env, encoding: 'utf8' });
      assert.equal(init.status, 0, init.stderr);
      assert.match(init.stdout, new RegExp(`preset ${kind}`));
      assert.ok(!existsSync(join(repo, 'node_modules')));
      const bin = git('config', 'factory.bin').stdout.trim();
      assert.ok(bin.startsWith(prefix), `the hooks call the installed factory: ${bin}`);

      git('add', '-A');
      const first = git('commit', '-q', '-m', 'first');
      assert.equal(first.status, 0, first.stderr);
      assert.match(readFileSync(join(tools, 'calls.log'), 'utf8'), kind === 'python' ? /ruff / : /biome /);

      writeFileSync(join(repo, 'leak.txt'), `${AWS_KEY}\n`);
      git('add', 'leak.txt');
      const leak = git('commit', '-q', '-m', 'leak');
      assert.equal(leak.status, 1);
      assert.match(leak.stderr, /AWS access key/);

      // The hot paths run their code-cached bundles here too: the gate's cache is taken after a usual run
      // passed (not the first commit, which checked the setup: one-off work the cache leaves out), the
      // guard's after its first decision.
      git('rm', '-q', '--cached', 'leak.txt');
      writeFileSync(join(repo, 'second.txt'), 'second\n');
      git('add', 'second.txt');
      const second = git('commit', '-q', '-m', 'second');
      assert.equal(second.status, 0, second.stderr);
      const guard = spawnSync(factory, ['hook', 'pre-tool-use'], {
        cwd: repo,
        env,
        encoding: 'utf8',
        input: JSON.stringify({
          session_id: 'packed',
          cwd: repo,
          hook_event_name: 'PreToolUse',
          tool_name: 'Bash',
          tool_input: { command: 'git reset --hard' },
        }),
      });
      assert.equal(guard.status, 0, guard.stderr);
      assert.match(guard.stdout, /"permissionDecision":\s*"deny"/);
      // Beside the bundles in the installed package (fast-path.ts, codeCachePath), nothing in Node's compile
      // cache folder, which is under the temp folder the agent's sandbox may write.
      const installed = join(prefix, 'lib', 'node_modules', installedPackageName, 'dist');
      for (const cache of [
        codeCachePath(join(installed, 'gate/run.bundle.cjs')),
        codeCachePath(join(installed, 'hook/pre-tool-use-entry.bundle.cjs'), 'Bash'),
      ])
        assert.ok(existsSync(cache), `the code cache ${cache}`);
      const cached = readdirSync(compileCache, { recursive: true, encoding: 'utf8' });
      assert.deepEqual(
        cached.filter((file) => /factory|v8/.test(file)),
        [],
      );
    });
  }
});
