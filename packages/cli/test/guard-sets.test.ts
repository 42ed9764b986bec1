import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, projectRoot, runFactory, runFactoryAsync } from '@factory/testkit';

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

async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

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
      const decide = async (entry: Entry) => {
        const input = JSON.stringify({
          session_id: 'sets',
          transcript_path: join(repo.home, 't.jsonl'),
          cwd: repo.dir,
          permission_mode: 'default',
          hook_event_name: 'PreToolUse',
          tool_name: entry.tool,
          tool_input: { command: entry.command },
          tool_use_id: 'toolu_sets',
        });
        const result = await runFactoryAsync(['hook', 'pre-tool-use'], {
          cwd: repo.dir,
          env: repo.env,
          input,
        });
        const text = result.stdout.trim();
        const decision = text.startsWith('{')
          ? (JSON.parse(text) as { hookSpecificOutput?: { permissionDecision?: string } }).hookSpecificOutput
              ?.permissionDecision
          : result.status === 2
            ? 'deny'
            : 'allow';
        return decision ?? 'allow';
      };
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
