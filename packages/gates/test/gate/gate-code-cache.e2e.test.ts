import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir } from '@factory/testkit';
import { gatedRepo, gitWith, recordControlFiles, writeConfig } from '../helpers.js';

/**
 * The gates' code cache (packages/cli/src/fast-path.ts): the gate bundle compiled through node:vm with a
 * V8 code cache taken after a usual run of a gate passed, in Node's compile cache folder. It is taken once per gate, a
 * corrupt one is rejected by V8 and taken again, and the verdicts are the same with it, without it and
 * with no compile cache at all.
 */

const GITHUB_TOKEN = `const t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n`;

function cacheFiles(dir: string): { data: string; gates: string }[] {
  const found: { data: string; gates: string }[] = [];
  if (!existsSync(dir)) return found;
  for (const version of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, version)).filter((n) => /^factory-gate-.*\.v8$/.test(n))) {
      const data = join(dir, version, name);
      found.push({ data, gates: readFileSync(`${data}.tools`, 'utf8') });
    }
  }
  return found;
}

describe("the gates' code cache", () => {
  it('is taken after a gate passed, survives corruption, and never changes a verdict', () => {
    const repo = gatedRepo({ 'README.md': '# x\n' });
    const cacheDir = makeTempDir('factory-gate-cache-');
    try {
      const config = JSON.parse(readFileSync(repo.path('factory.config.json'), 'utf8'));
      writeConfig(repo, { ...config, gates: { preCommit: { tasks: { '*.js': 'true' } } } });
      const env = { ...repo.env, NODE_COMPILE_CACHE: cacheDir.dir };
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
      assert.deepEqual(cacheFiles(cacheDir.dir), []);
      commits(env);
      assert.deepEqual(cacheFiles(cacheDir.dir), []);
      // The next pass is a usual one: it takes the cache.
      commits(env);
      assert.deepEqual(
        cacheFiles(cacheDir.dir).map((f) => f.gates),
        ['pre-commit'],
      );
      const [file] = cacheFiles(cacheDir.dir);
      const taken = readFileSync(file!.data);
      // With the cache: the same verdicts, and the cache is not taken again.
      commits(env);
      assert.deepEqual(readFileSync(file!.data), taken);
      // Garbage where the cache was: V8 rejects it, the bundle compiles as usual, and the cache is taken again.
      writeFileSync(file!.data, Buffer.alloc(4096, 7));
      commits(env);
      assert.notDeepEqual(readFileSync(file!.data), Buffer.alloc(4096, 7));
      assert.equal(cacheFiles(cacheDir.dir).length, 1);
      // Without Node's compile cache there is no folder for it: the same verdicts.
      commits({ ...repo.env, NODE_DISABLE_COMPILE_CACHE: '1' });
    } finally {
      repo.cleanup();
      cacheDir.cleanup();
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
