import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/**
 * The guard's code cache (packages/cli/src/fast-path.ts): the bundle compiled through node:vm with a V8
 * code cache taken after a decision, in Node's compile cache folder. It is taken once per kind of tool
 * and refusing rule (Bash, a reset-hard refusal, then Read), a corrupt one is rejected by V8 and taken
 * again, and the decisions are the same with it, without it and with no compile cache at all.
 */

function hook(repo: TempRepo, env: NodeJS.ProcessEnv, tool: string, input: Record<string, unknown>) {
  const result = runFactory(['hook', 'pre-tool-use'], {
    cwd: repo.dir,
    env,
    input: JSON.stringify({
      session_id: 'cache',
      cwd: repo.dir,
      hook_event_name: 'PreToolUse',
      tool_name: tool,
      tool_input: input,
    }),
  });
  assert.equal(result.status, 0, result.stderr);
  const text = result.stdout.trim();
  return text ? (JSON.parse(text).hookSpecificOutput?.permissionDecision as string) : 'allow';
}

function cacheFiles(dir: string): { data: string; tools: string }[] {
  const found: { data: string; tools: string }[] = [];
  for (const version of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, version)).filter((n) => /^factory-guard-.*\.v8$/.test(n))) {
      const data = join(dir, version, name);
      found.push({ data, tools: readFileSync(`${data}.tools`, 'utf8') });
    }
  }
  return found;
}

describe("the guard's code cache", () => {
  it('is taken per kind of tool, survives corruption, and never changes a decision', () => {
    const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n', '.env': 'A=1\n' } });
    const cacheDir = makeTempDir('factory-code-cache-');
    try {
      const env = { ...repo.env, NODE_COMPILE_CACHE: cacheDir.dir };
      const calls: Array<[string, Record<string, unknown>, string]> = [
        ['Bash', { command: 'ls -la' }, 'allow'],
        ['Bash', { command: 'git reset --hard' }, 'deny'],
        ['Read', { file_path: join(repo.dir, '.env') }, 'deny'],
        ['Read', { file_path: join(repo.dir, 'README.md') }, 'allow'],
      ];
      const expect = (e: NodeJS.ProcessEnv) => {
        for (const [tool, input, decision] of calls)
          assert.equal(hook(repo, e, tool, input), decision, `${tool} ${JSON.stringify(input)}`);
      };
      hook(repo, env, 'Bash', { command: 'ls' });
      assert.deepEqual(
        cacheFiles(cacheDir.dir).map((f) => f.tools),
        ['Bash'],
      );
      expect(env);
      // A refusal runs code an allow does not (the audit record, the rule's hit): taken again per rule.
      assert.deepEqual(
        cacheFiles(cacheDir.dir).map((f) => f.tools),
        ['Bash,Bash refused reset-hard,Read refused secret-files,Read'],
      );
      // Garbage where the cache was: V8 rejects it, the bundle compiles as usual, and the cache is taken again.
      const [file] = cacheFiles(cacheDir.dir);
      writeFileSync(file!.data, Buffer.alloc(4096, 7));
      expect(env);
      assert.notDeepEqual(readFileSync(file!.data), Buffer.alloc(4096, 7));
      // Without Node's compile cache there is no folder for it: the same decisions.
      expect({ ...repo.env, NODE_DISABLE_COMPILE_CACHE: '1' });
    } finally {
      repo.cleanup();
      cacheDir.cleanup();
    }
  });
});
