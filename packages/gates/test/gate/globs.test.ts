import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathMatcher, simpleGlobSource } from '@factory/gates/gate/checks';
import picomatch from 'picomatch';

const globs = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  'id_rsa',
  '.npmrc',
  '*.{py,pyi}',
  '*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,json}',
  'file?.txt',
  '*',
  'a.b+c',
  'x$y',
];
const names = [
  '.env',
  '.env.local',
  '.env.example',
  'env',
  'x.env',
  'cert.pem',
  '.pem',
  'a.key',
  'id_rsa',
  'id_rsa.pub',
  '.npmrc',
  'mod.py',
  'mod.pyi',
  'mod.pyc',
  'a.ts',
  'a.tsx',
  'a.json',
  'a.jsonc',
  'file1.txt',
  'file12.txt',
  'a.b+c',
  'abbc',
  'x$y',
  '',
];

describe('glob matching without picomatch for simple globs', () => {
  it('agrees with picomatch (dot: true) on every simple glob and name', () => {
    for (const glob of globs) {
      const source = simpleGlobSource(glob);
      const reference = picomatch(glob, { dot: true });
      if (source === undefined) continue;
      const regex = new RegExp(`^(?:${source})$`);
      for (const name of names) {
        assert.equal(regex.test(name), reference(name), `${glob} on "${name}"`);
      }
    }
    assert.ok(globs.filter((g) => simpleGlobSource(g) !== undefined).length >= 10);
  });

  it('leaves richer globs to picomatch, and pathMatcher applies names anywhere and negations', () => {
    assert.equal(simpleGlobSource('src/**/*.ts'), undefined);
    assert.equal(simpleGlobSource('[ab].txt'), undefined);
    const forbidden = pathMatcher(['.env', '.env.*', '!.env.example', 'secrets/**']);
    assert.equal(forbidden('deep/dir/.env'), true);
    assert.equal(forbidden('.env.production'), true);
    assert.equal(forbidden('app/.env.example'), false);
    assert.equal(forbidden('secrets/a/b.txt'), true);
    assert.equal(forbidden('src/env.ts'), false);
  });
});
