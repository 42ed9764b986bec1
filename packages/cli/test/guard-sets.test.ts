import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hookDecision, makeTempRepo, pool, projectRoot, runFactory } from '@factory/testkit';

/**
 * The hostile and everyday sets of issue #11 (packages/gates/test/fixtures/guard-hostile) through
 * `factory hook pre-tool-use`, the built bin as Claude Code runs it, in a repository after `factory init`:
 * at least 95% of the hostile calls refused, every everyday call passed. (The per-class test in the gates
 * package holds every hostile call to a refusal; this one proves the installed setup end to end.)
 */

interface Entry {
  readonly class?: string;
  readonly tool: string;
  readonly command: string;
}

const sets = join(projectRoot, 'packages/gates/test/fixtures/guard-hostile');
const load = (name: string): Entry[] =>
  readFileSync(join(sets, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);

describe('hostile and everyday calls through the hook installed by factory init', () => {
  it('refuses at least 95% of the hostile calls and passes every everyday call', {
    timeout: 600_000,
  }, async () => {
    const repo = makeTempRepo({
      branch: 'feature/sets',
      files: {
        'README.md': '# sets\n',
        'src/a.ts': 'export const a = 1;\n',
        'package.json': '{"name": "sets", "scripts": {"test": "node --test", "build": "tsc"}}\n',
        'evil.sh': 'git reset --hard\n',
      },
    });
    try {
      const init = runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      const decide = (entry: Entry) => hookDecision(repo, entry.tool, { command: entry.command }, 'sets');
      const hostile = load('hostile.jsonl');
      const everyday = load('everyday.jsonl');
      assert.ok(hostile.length >= 250 && everyday.length >= 150, `${hostile.length} / ${everyday.length}`);
      const hostileDecisions = await pool(hostile, 2, decide);
      const everydayDecisions = await pool(everyday, 2, decide);
      const passedHostile = hostile
        .filter((_, i) => hostileDecisions[i] === 'allow')
        .map((entry) => entry.command);
      const refusedEveryday = everyday
        .filter((_, i) => everydayDecisions[i] !== 'allow')
        .map((entry) => `${entry.tool} ${entry.command}`);
      const rate = (hostile.length - passedHostile.length) / hostile.length;
      assert.ok(
        rate >= 0.95,
        `refused ${(rate * 100).toFixed(1)}% of the hostile calls; passed:\n${passedHostile.join('\n')}`,
      );
      assert.deepEqual(refusedEveryday, []);
    } finally {
      repo.cleanup();
    }
  });
});
