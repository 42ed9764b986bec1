import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { factoryBin, makeTempRepo, projectRoot } from '@factory/testkit';
import { gatedRepo, gitWith, initFactory, writeConfig } from '../helpers.js';

describe('factory gate commit-msg', () => {
  it('is installed when a pattern is configured and refuses a message that does not match', () => {
    const repo = gatedRepo();
    try {
      writeConfig(repo, {
        gates: { commitMsg: { pattern: '^(feat|fix|docs): ', hint: 'start with feat:, fix: or docs:' } },
      });
      assert.equal(initFactory(repo).status, 0);
      repo.write('a.txt', 'a\n');
      repo.git('add', 'a.txt');
      const bad = gitWith(repo, repo.env, 'commit', '-m', 'stuff');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /commit-msg {2}the first line does not match/);
      assert.match(bad.stderr, /fix: start with feat:, fix: or docs:/);
      assert.equal(gitWith(repo, repo.env, 'commit', '-m', 'feat: a').status, 0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('the gate fast path', () => {
  it('decides a commit without loading yargs, cosmiconfig, lint-staged or ajv', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      repo.write(
        'factory.config.json',
        JSON.stringify({ extends: 'python', gates: { preCommit: { tasks: { '*.txt': 'true' } } } }),
      );
      repo.write('a.txt', 'b\n');
      repo.git('add', 'a.txt');
      const script = `
        import { registerHooks } from 'node:module';
        const seen = [];
        registerHooks({ resolve(s, c, next) { seen.push(s); return next(s, c); } });
        process.argv = [process.argv[0], ${JSON.stringify(factoryBin)}, 'gate', 'pre-commit'];
        process.on('exit', () => { process.stderr.write('\\nSEEN ' + JSON.stringify(seen) + '\\n'); });
        await import(${JSON.stringify(factoryBin)});`;
      // Shared state on PostgreSQL changes nothing here: the gate records its run in SQLite, never loads pg.
      const cacheDir = repo.path('.compile-cache');
      const gateCache = join(projectRoot, 'packages/gates/dist/gate/run.bundle.cjs.v8-cache');
      const gate = () =>
        spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: repo.dir,
          env: {
            ...repo.env,
            FACTORY_STATE_URL: 'postgres://nobody@127.0.0.1:1/none',
            NODE_COMPILE_CACHE: cacheDir,
          },
          encoding: 'utf8',
        });
      // The first run makes the gates' inbox and folds it (one-off work the code cache leaves out), the
      // second takes the bundle's code cache, the third runs with it: none loads anything heavy.
      for (const round of ['before', 'without', 'with']) {
        const run = gate();
        assert.equal(run.status, 0, run.stderr);
        const seen = JSON.parse(/SEEN (.*)/.exec(run.stderr)![1]!) as string[];
        for (const heavy of ['yargs', 'cosmiconfig', 'lint-staged', 'ajv', 'pg']) {
          assert.ok(
            !seen.some((s) => s === heavy || s.startsWith(`${heavy}/`)),
            `${heavy} was loaded (${round} the code cache): ${seen.join(' ')}`,
          );
        }
        // The bundle is what runs: compiled through node:vm (no module resolved for it), never the modules.
        assert.ok(
          !seen.some((s) => /gates\/gate\/run(\.js)?$|gates\/dist\/gate\/run\.js$/.test(s)),
          `the unbundled runner was loaded: ${seen.join(' ')}`,
        );
        // The bundle's code cache beside it (cli's fast-path.ts, codeCachePath), there from the second run
        // on (the build's, so other tests' gates may have taken it before), nothing of it in Node's compile
        // cache folder (in the temp folder by default, which the agent's sandbox may write).
        if (round !== 'before') assert.ok(existsSync(gateCache), `the bundle's code cache (${round} it)`);
        const inNodeCache = readdirSync(cacheDir, { recursive: true, encoding: 'utf8' });
        assert.deepEqual(
          inNodeCache.filter((f) => /factory|v8/.test(f)),
          [],
          `nothing of the gate in Node's compile cache folder (${round} the code cache)`,
        );
      }
    } finally {
      repo.cleanup();
    }
  });
});
