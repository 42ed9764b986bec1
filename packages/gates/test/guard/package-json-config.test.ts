import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/** package.json's factory key through the file tools: judged by the file it would leave. */

const original = `${JSON.stringify({ name: 'x', scripts: { test: 'node --test' }, factory: { guard: { presets: ['typescript'] } } }, null, 2)}\n`;

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: { 'package.json': original, 'packages/a/package.json': '{"name": "a"}\n' },
  });
});
after(() => repo.cleanup());

function verdict(tool: string, input: Record<string, unknown>) {
  return decide(
    { tool, input: { file_path: join(repo.dir, 'package.json'), ...input } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
  );
}

describe('package.json#factory through Write, Edit and MultiEdit', () => {
  it('refuses a change, a removal and an addition of the key', () => {
    const changed = original.replace('"typescript"', '"python"');
    assert.equal(verdict('Write', { content: changed }).decision, 'deny');
    assert.equal(verdict('Edit', { old_string: '"typescript"', new_string: '' }).decision, 'deny');
    const removed = JSON.stringify({ name: 'x', scripts: { test: 'node --test' } });
    const result = verdict('Write', { content: removed });
    assert.equal(result.rule, 'package-json-config');
    assert.match(result.reason ?? '', /removes its factory key/);
    assert.equal(
      verdict('MultiEdit', {
        edits: [
          { old_string: '"presets"', new_string: '"disable"' },
          { old_string: '["typescript"]', new_string: '[{"rule": "no-verify", "reason": "x"}]' },
        ],
      }).decision,
      'deny',
    );
  });

  it('passes edits of the other keys', () => {
    assert.equal(
      verdict('Edit', { old_string: '"node --test"', new_string: '"node --test --watch"' }).decision,
      'allow',
    );
    const withDependency = original.replace(
      '"name": "x",',
      '"name": "x",\n  "dependencies": {"lodash": "^4"},',
    );
    assert.equal(verdict('Write', { content: withDependency }).decision, 'allow');
  });

  it('refuses adding the key to a package.json that had none', () => {
    const nested = decide(
      {
        tool: 'Write',
        input: {
          file_path: join(repo.dir, 'packages/a/package.json'),
          content: '{"name": "a", "factory": {}}',
        },
      },
      { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, environment: {} },
    );
    assert.equal(nested.decision, 'deny');
  });
});
