import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '@factory/testkit';

describe('generated references in docs/', () => {
  it('every generated file matches what the code renders (run npm run docs when this fails)', async () => {
    const { generators } = (await import(join(projectRoot, 'scripts/docs/index.mjs'))) as {
      generators: Array<{ file: string; render(): string | Promise<string> }>;
    };
    assert.ok(generators.length > 0);
    for (const generator of generators) {
      const current = readFileSync(join(projectRoot, generator.file), 'utf8');
      assert.equal(current, await generator.render(), `${generator.file} drifted: run npm run docs`);
    }
  });
});
