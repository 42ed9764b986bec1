import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeTempRepo, privateFactoryBuild, runFactory } from '@factory/testkit';
import { gatedRepo, gitWith, recordControlFiles, writeConfig } from '../helpers.js';

/**
 * The gates' code cache (packages/cli/src/fast-path.ts): the gate bundle compiled through node:vm with a
 * V8 code cache taken after a usual run of a gate passed, beside the bundle (never in Node's compile
 * cache folder, under the temp folder the agent's sandbox may write). It is taken once per gate, a corrupt
 * one is not used and taken again, and the verdicts are the same with it, without it and with no cache at
 * all. A private copy of the build (its hooks installed by its own init), so that the cache beside its
 * bundle is this test's alone.
 */

const GITHUB_TOKEN = `const t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`;

/** The gates a cache file says it covers (its third line), or undefined when there is none. */
function gatesOf(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'latin1').split('\n', 3)[2];
}

describe("the gates' code cache", () => {
  it('is taken after a gate passed, survives corruption, and never changes a verdict', () => {
    const build = privateFactoryBuild();
    const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
    const nodeCache = makeTempDir('factory-node-compile-cache-');
    try {
      const init = runFactory(['init', '--yes'], { bin: build.bin, cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      // Beside the bundle (the cli's fast-path.ts, codeCachePath; a gates test does not import the cli).
      const cache = join(build.gatesDist, 'gate', 'run.bundle.cjs.v8-cache');
      const config = JSON.parse(readFileSync(repo.path('factory.config.json'), 'utf8'));
      writeConfig(repo, { ...config, gates: { preCommit: { tasks: { '*.js': 'true' } } } });
      // Node's own compile cache in a temp folder, as it is by default: the gates' cache is not put there.
      const env = { ...repo.env, NODE_COMPILE_CACHE: nodeCache.dir };
      let n = 0;
      const commits = (e: NodeJS.ProcessEnv) => {
        n++;
        repo.write(`ok${n}.js`, `export const v = ${n};\n`);
        repo.git('add', `ok${n}.js`);
        const ok = gitWith(repo, e, 'commit', '-q', '-m', `ok ${n}`);
        assert.equal(ok.status, 0, ok.stderr);
        repo.write(`leak${n}.js`, GITHUB_TOKEN);
        repo.git('add', `leak${n}.js`);
        const leak = gitWith(repo, e, 'commit', '-q', '-m', `leak ${n}`);
        assert.equal(leak.status, 1, leak.stderr);
        assert.match(leak.stderr, /secrets {2}leak\d+\.js:1: a GitHub token/);
        repo.git('rm', '-q', '--cached', `leak${n}.js`);
      };
      // Before any gate passed there is no cache. The first pass checked the setup and made the gates'
      // inbox, work no later commit does: its code is not what the cache should hold, and it takes none.
      assert.equal(gatesOf(cache), undefined);
      commits(env);
      assert.equal(gatesOf(cache), undefined);
      // The next pass is a usual one: it takes the cache.
      commits(env);
      assert.equal(gatesOf(cache), 'pre-commit');
      const taken = readFileSync(cache);
      assert.deepEqual(
        readdirSync(nodeCache.dir, { recursive: true, encoding: 'utf8' }).filter((f) => /factory|v8/.test(f)),
        [],
        'nothing of the gates in the temp folder',
      );
      // With the cache: the same verdicts, and the cache is not taken again.
      commits(env);
      assert.deepEqual(readFileSync(cache), taken);
      // Garbage where the cache was: not used, the bundle compiles as usual, and the cache is taken again.
      writeFileSync(cache, Buffer.alloc(4096, 7));
      commits(env);
      assert.equal(gatesOf(cache), 'pre-commit');
      // With the caches off (NODE_DISABLE_COMPILE_CACHE), none is read or written: the same verdicts.
      writeFileSync(cache, Buffer.alloc(4096, 7));
      commits({ ...repo.env, NODE_DISABLE_COMPILE_CACHE: '1' });
      assert.deepEqual(readFileSync(cache), Buffer.alloc(4096, 7));
    } finally {
      repo.cleanup();
      nodeCache.cleanup();
      build.cleanup();
    }
  });
});

describe('the code-cached gate bundle', () => {
  it('loads what it leaves outside (cosmiconfig for a YAML config) without a warning', () => {
    const repo = gatedRepo({ 'README.md': '# x\n' });
    try {
      repo.write(
        'factory.config.yaml',
        'extends: base\ngates:\n  preCommit:\n    tasks:\n      "*.js": "true"\n',
      );
      repo.git('rm', '-q', '--cached', '--ignore-unmatch', 'factory.config.json');
      rmSync(repo.path('factory.config.json'), { force: true });
      recordControlFiles(repo);
      for (const n of [1, 2]) {
        // The second commit after the config changed again: loaded afresh, not from the checked setup.
        if (n === 2) {
          repo.write(
            'factory.config.yaml',
            'extends: base\ngates:\n  preCommit:\n    tasks:\n      "*.js": "false"\n',
          );
          recordControlFiles(repo);
        }
        repo.write(`m${n}.js`, `export const v = ${n};\n`);
        repo.git('add', `m${n}.js`);
        const commit = gitWith(repo, repo.env, 'commit', '-q', '-m', `m ${n}`);
        assert.equal(commit.status, n === 1 ? 0 : 1, commit.stderr);
        assert.doesNotMatch(commit.stderr, /Warning/);
        if (n === 2) assert.match(commit.stderr, /the task "false" failed/);
      }
    } finally {
      repo.cleanup();
    }
  });
});
