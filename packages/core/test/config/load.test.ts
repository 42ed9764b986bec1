import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isFactoryError } from '@factory/core';
import { findConfigFile, loadConfig } from '@factory/core/config/load';
import { configSchemaPath } from '@factory/core/config/validate';
import { makeTempRepo } from '@factory/testkit';

function withRepo(fn: (repo: ReturnType<typeof makeTempRepo>) => Promise<void>) {
  return async () => {
    const repo = makeTempRepo();
    try {
      await fn(repo);
    } finally {
      repo.cleanup();
    }
  };
}

async function loadError(cwd: string): Promise<string> {
  try {
    await loadConfig({ cwd });
  } catch (error) {
    assert.ok(isFactoryError(error), `expected a FactoryError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('expected loadConfig to throw');
}

describe('config loader', () => {
  it(
    'without a config file gives the schema defaults (the base checks)',
    withRepo(async (repo) => {
      const loaded = await loadConfig({ cwd: repo.dir });
      assert.equal(loaded.file, undefined);
      assert.equal(loaded.config.gates.preCommit.conflictMarkers, true);
      assert.equal(loaded.config.gates.preCommit.maxFileSizeKb, 1024);
      assert.ok(loaded.config.gates.preCommit.forbiddenPaths.includes('.env'));
      assert.deepEqual(loaded.config.gates.preCommit.tasks, {});
      assert.equal(loaded.config.gates.secrets.gitleaks, 'off');
    }),
  );

  it(
    'factory.config.json extends a preset by name; its own keys override, objects merge',
    withRepo(async (repo) => {
      repo.write(
        'factory.config.json',
        JSON.stringify({
          extends: 'python',
          gates: { preCommit: { maxFileSizeKb: 10, tasks: { '*.md': 'echo md' } } },
        }),
      );
      const loaded = await loadConfig({ cwd: repo.dir });
      assert.equal(loaded.file, repo.path('factory.config.json'));
      assert.equal(loaded.config.gates.preCommit.maxFileSizeKb, 10);
      assert.deepEqual(loaded.config.gates.preCommit.tasks, {
        '*.{py,pyi}': { run: ['ruff check --fix', 'ruff format'], optional: true },
        '*.md': 'echo md',
      });
      assert.equal(loaded.config.gates.prePush.commands.length, 2);
      assert.equal(loaded.config.gates.secrets.gitleaks, 'auto');
      assert.equal(loaded.sources.length, 3, 'base, python, the repository file');
      assert.equal(loaded.sources.at(-1), repo.path('factory.config.json'));
    }),
  );

  it(
    'is found from a subfolder, and package.json counts only with a factory key',
    withRepo(async (repo) => {
      repo.write('package.json', JSON.stringify({ name: 'x' }));
      repo.write('.factoryrc.json', JSON.stringify({ gates: { preCommit: { maxFileSizeKb: 7 } } }));
      mkdirSync(repo.path('src/deep'), { recursive: true });
      const loaded = await loadConfig({ cwd: repo.path('src/deep') });
      assert.equal(loaded.file, repo.path('.factoryrc.json'));
      assert.equal(loaded.config.gates.preCommit.maxFileSizeKb, 7);

      repo.write(
        'package.json',
        JSON.stringify({ name: 'x', factory: { gates: { preCommit: { maxFileSizeKb: 3 } } } }),
      );
      const fromPackage = await loadConfig({ cwd: repo.path('src') });
      assert.equal(fromPackage.file, repo.path('package.json'));
      assert.equal(fromPackage.config.gates.preCommit.maxFileSizeKb, 3);
    }),
  );

  it(
    'loads YAML and TypeScript configs through cosmiconfig',
    withRepo(async (repo) => {
      repo.write('.factoryrc.yaml', 'extends: base\ngates:\n  preCommit:\n    maxFileSizeKb: 5\n');
      assert.equal((await loadConfig({ cwd: repo.dir })).config.gates.preCommit.maxFileSizeKb, 5);
      repo.git('rm', '--quiet', '--cached', '--ignore-unmatch', '.factoryrc.yaml');
      writeFileSync(repo.path('.factoryrc.yaml'), '');
      // An empty file is a mistake, not the defaults: a clear error ({} says the defaults on purpose).
      await assert.rejects(
        loadConfig({ cwd: repo.dir }),
        /\.factoryrc\.yaml is empty; write \{\} for the defaults/,
      );
    }),
  );

  it(
    'loads factory.config.ts natively (types stripped by Node)',
    withRepo(async (repo) => {
      repo.write(
        'factory.config.ts',
        'const size: number = 9;\nexport default { gates: { preCommit: { maxFileSizeKb: size } } };\n',
      );
      assert.equal((await loadConfig({ cwd: repo.dir })).config.gates.preCommit.maxFileSizeKb, 9);
    }),
  );

  it(
    'the hooks never execute a JS or TS config: one sentence, and the program does not run',
    withRepo(async (repo) => {
      const marker = repo.path('ran.txt');
      repo.write(
        'factory.config.mjs',
        `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nexport default {};\n`,
      );
      await assert.rejects(loadConfig({ cwd: repo.dir, executable: false }), (error: Error) => {
        assert.match(
          error.message,
          /factory\.config\.mjs is a JavaScript or TypeScript config, which factory's hooks do not execute/,
        );
        return true;
      });
      assert.equal(existsSync(marker), false);
      // YAML is data, not a program: the hooks read it.
      rmSync(repo.path('factory.config.mjs'));
      repo.write('factory.config.yaml', 'gates:\n  preCommit:\n    maxFileSizeKb: 7\n');
      const yaml = await loadConfig({ cwd: repo.dir, executable: false });
      assert.equal(yaml.config.gates.preCommit.maxFileSizeKb, 7);
    }),
  );

  it(
    'an error names the file, the path inside it and what was expected',
    withRepo(async (repo) => {
      repo.write('factory.config.json', JSON.stringify({ gates: { preCommit: { maxFileSizeKb: 'big' } } }));
      assert.equal(
        await loadError(repo.dir),
        `${repo.path('factory.config.json')}: gates.preCommit.maxFileSizeKb must be integer; fix the config (its JSON schema lists every key).`,
      );
      repo.write('factory.config.json', JSON.stringify({ gates: { preComit: {} } }));
      const unknown = await loadError(repo.dir);
      assert.match(
        unknown,
        /gates has an unknown key "preComit" \(expected one of: preCommit, prePush, commitMsg, secrets\)/,
      );
      repo.write('factory.config.json', JSON.stringify({ gates: { secrets: { gitleaks: 'sometimes' } } }));
      assert.match(
        await loadError(repo.dir),
        /gates\.secrets\.gitleaks must be one of "auto", "required", "off"/,
      );
      repo.write(
        'factory.config.json',
        JSON.stringify({ gates: { prePush: { commands: ['ok', { name: 'x' }] } } }),
      );
      assert.match(await loadError(repo.dir), /gates\.prePush\.commands\[1\] needs the key "run"/);
      repo.write('factory.config.json', '{ "gates": ');
      assert.match(await loadError(repo.dir), /factory\.config\.json is not valid JSON/);
      repo.write('factory.config.json', JSON.stringify({ extends: 'rust' }));
      assert.match(await loadError(repo.dir), /extends names the preset "rust", which does not exist/);
      repo.write('.factoryrc.yaml', 'gates: [1');
      repo.write('factory.config.json', '{}');
      assert.match(await loadError(repo.dir), /cannot read the config .*\.factoryrc\.yaml/);
    }),
  );

  it(
    'an error in an extended file names that file; a cycle is refused',
    withRepo(async (repo) => {
      repo.write('shared/a.json', JSON.stringify({ extends: './b.json' }));
      repo.write('shared/b.json', JSON.stringify({ extends: './a.json' }));
      repo.write('factory.config.json', JSON.stringify({ extends: './shared/a.json' }));
      assert.match(await loadError(repo.dir), /extends forms a cycle/);
      repo.write('shared/b.json', JSON.stringify({ gates: { preCommit: { conflictMarkers: 'yes' } } }));
      repo.write('shared/a.json', JSON.stringify({ extends: './b.json' }));
      const message = await loadError(repo.dir);
      assert.ok(
        message.startsWith(`${repo.path('shared/b.json')}: gates.preCommit.conflictMarkers must be boolean`),
        message,
      );
    }),
  );

  it('the shipped schema is the composition of every fragment', () => {
    const schema = JSON.parse(readFileSync(configSchemaPath(), 'utf8'));
    assert.ok(schema.properties.gates.properties.preCommit);
    assert.ok(schema.properties.extends);
    const fragments = new URL('../../src/config/schema/', import.meta.url);
    for (const name of readdirSync(fragments)) {
      if (name === 'root.schema.json') continue;
      assert.ok(schema.properties[name.replace('.schema.json', '')], `section of ${name} missing`);
    }
  });

  it(
    'with a cache file: reused while the config and its presets are unchanged, reloaded when one changes',
    withRepo(async (repo) => {
      const cacheFile = repo.path('.factory/config-cache.json');
      repo.write(
        'factory.config.json',
        JSON.stringify({ extends: 'base', gates: { preCommit: { maxFileSizeKb: 5 } } }),
      );
      const first = await loadConfig({ cwd: repo.dir, cacheFile });
      assert.equal(first.config.gates.preCommit.maxFileSizeKb, 5);
      // Prove the second load comes from the cache: tamper with the cached value.
      const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
      cache.config.gates.preCommit.maxFileSizeKb = 77;
      writeFileSync(cacheFile, JSON.stringify(cache));
      assert.equal((await loadConfig({ cwd: repo.dir, cacheFile })).config.gates.preCommit.maxFileSizeKb, 77);
      // Any change to the config file (size or mtime) is a miss.
      repo.write(
        'factory.config.json',
        JSON.stringify({ extends: 'base', gates: { preCommit: { maxFileSizeKb: 6 } } }),
      );
      assert.equal((await loadConfig({ cwd: repo.dir, cacheFile })).config.gates.preCommit.maxFileSizeKb, 6);
      // A rewrite of the same size that puts the old mtime back is a miss too (the stamp holds the ctime).
      const { statSync, utimesSync } = await import('node:fs');
      utimesSync(repo.path('factory.config.json'), 1_700_000_000, 1_700_000_000);
      assert.equal((await loadConfig({ cwd: repo.dir, cacheFile })).config.gates.preCommit.maxFileSizeKb, 6);
      const before = statSync(repo.path('factory.config.json'));
      repo.write(
        'factory.config.json',
        JSON.stringify({ extends: 'base', gates: { preCommit: { maxFileSizeKb: 7 } } }),
      );
      utimesSync(repo.path('factory.config.json'), 1_700_000_000, 1_700_000_000);
      assert.equal(statSync(repo.path('factory.config.json')).mtimeMs, before.mtimeMs);
      assert.equal(statSync(repo.path('factory.config.json')).size, before.size);
      assert.equal((await loadConfig({ cwd: repo.dir, cacheFile })).config.gates.preCommit.maxFileSizeKb, 7);
      // An invalid config is never served from the cache.
      repo.write('factory.config.json', JSON.stringify({ gates: { preCommit: { maxFileSizeKb: 'x' } } }));
      await assert.rejects(loadConfig({ cwd: repo.dir, cacheFile }), /must be integer/);
      // A YAML config is not cached (it goes through cosmiconfig every time).
      rmSync(repo.path('factory.config.json'));
      repo.write('.factoryrc.yaml', 'gates:\n  preCommit:\n    maxFileSizeKb: 8\n');
      assert.equal((await loadConfig({ cwd: repo.dir, cacheFile })).config.gates.preCommit.maxFileSizeKb, 8);
    }),
  );

  it(
    'a JSON config is loaded without importing cosmiconfig or compiling ajv (the hooks path)',
    withRepo(async (repo) => {
      repo.write('factory.config.json', JSON.stringify({ extends: 'typescript' }));
      const loader = new URL('../../dist/config/load.js', import.meta.url).href;
      const script = `
        import { registerHooks } from 'node:module';
        const seen = [];
        registerHooks({ resolve(s, c, next) { seen.push(s); return next(s, c); } });
        const { loadConfig } = await import(${JSON.stringify(loader)});
        const { config } = await loadConfig({ cwd: process.cwd() });
        console.log(JSON.stringify({ seen, tasks: Object.keys(config.gates.preCommit.tasks).length }));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: repo.dir,
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout) as { seen: string[]; tasks: number };
      assert.equal(out.tasks, 1);
      assert.ok(
        !out.seen.some((s) => s.includes('cosmiconfig') || /(^|\/)ajv(\/|$)/.test(s)),
        out.seen.join(' '),
      );
      assert.ok(findConfigFile({ cwd: repo.dir }));
    }),
  );
});
