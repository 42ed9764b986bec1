import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { hookDecision, makeTempRepo, pool, projectRoot, runFactory } from '@factory/testkit';

/**
 * cc-safety-net's test commands (packages/gates/test/fixtures/cc-safety-net) through `factory hook
 * pre-tool-use`, the built bin as Claude Code runs it, in a repository after `factory init`: every verdict
 * equals `decide()`'s in the same repository, so the agreement that cc-safety-net.test.ts holds (and
 * docs/guard.md lists) is the installed hook's. All 582 commands: 28 s on 2 shared cores at load 2.5 (two
 * hooks at a time, each a fresh process as in Claude Code), well inside the suite's budget.
 */

interface Case {
  readonly command: string;
  readonly ccSafetyNet: 'deny' | 'allow';
}

const cases: Case[] = readFileSync(
  join(projectRoot, 'packages/gates/test/fixtures/cc-safety-net/cases.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Case);

describe("cc-safety-net's test suite through the hook installed by factory init", () => {
  it('decides every command as decide() does', { timeout: 600_000 }, async () => {
    const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
    try {
      const init = runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      const viaHook = (entry: Case) => hookDecision(repo, 'Bash', { command: entry.command }, 'ccsn');
      const hooked = await pool(cases, 2, viaHook);
      const differ: string[] = [];
      cases.forEach((entry, i) => {
        const direct = decide(
          { tool: 'Bash', input: { command: entry.command } },
          { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
        ).decision;
        if ((direct === 'allow') !== (hooked[i] === 'allow'))
          differ.push(`${entry.command}: hook ${hooked[i]}, decide() ${direct}`);
      });
      assert.deepEqual(differ, []);
      // The installed hook refuses: no empty agreement from a hook that passes everything.
      assert.ok(hooked.filter((decision) => decision !== 'allow').length >= 300);
    } finally {
      repo.cleanup();
    }
  });
});
