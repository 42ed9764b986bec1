import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtinRules } from '@factory/gates/guard/rules';
import { toolRules } from '@factory/gates/guard/tool-rules';
import { projectRoot } from '@factory/testkit';

/** Every rule the guard runs is described in docs/guard.md, in a table row of its own. */
describe('docs/guard.md describes every rule', () => {
  it('has a row for each built-in and tool rule', () => {
    const doc = readFileSync(join(projectRoot, 'docs/guard.md'), 'utf8');
    const missing = [...builtinRules, ...toolRules]
      .map((rule) => rule.id)
      .filter((id) => !new RegExp(`^\\| \`${id}\` +\\|`, 'm').test(doc));
    assert.deepEqual(missing, []);
  });
});
