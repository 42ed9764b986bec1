import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import { factoryDir } from '@factory/core/paths';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { warmUpCalls, warmUpPreToolUse } from '@factory/gates/hook/warm-up';
import { gatedRepo } from '../helpers.js';

/**
 * The warm-up the guard's code cache is taken after (gates/hook/warm-up.ts, cli/src/fast-path.ts): the
 * everyday calls and the usual refusals of every tool, decided in the real repository. It must start no
 * process and record nothing (it runs inside a hook, after the real call's answer), and it must reach
 * both the allowing and the refusing paths, or the cache would lack them.
 */

/** Every process the guard starts while `run` runs (node:child_process spied on, ESM importers too). */
async function processesStarted(run: () => unknown): Promise<string[]> {
  const childProcess = createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  const original = { spawnSync: childProcess.spawnSync, spawn: childProcess.spawn };
  const started: string[] = [];
  childProcess.spawnSync = ((command: string, ...rest: unknown[]) => {
    started.push(command);
    return (original.spawnSync as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof childProcess.spawnSync;
  childProcess.spawn = ((command: string, ...rest: unknown[]) => {
    started.push(command);
    return (original.spawn as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof childProcess.spawn;
  syncBuiltinESMExports();
  try {
    await run();
  } finally {
    Object.assign(childProcess, original);
    syncBuiltinESMExports();
  }
  return started;
}

describe("the guard's warm-up", () => {
  it('decides allows and refusals of every kind of tool', () => {
    const repo = gatedRepo({ 'README.md': '# x\n', 'src/a.ts': 'export const a = 1;\n' });
    try {
      const verdicts = warmUpCalls(repo.dir).map((call) => ({
        tool: call.tool,
        decision: decide(call, {
          cwd: repo.dir,
          repoRoot: repo.dir,
          home: repo.home,
          config: defaultGuardConfig,
          env: repo.env,
        }).decision,
      }));
      const tools = (decision: string) =>
        new Set(verdicts.filter((v) => v.decision === decision).map((v) => v.tool));
      assert.deepEqual([...tools('allow')].sort(), [
        'Bash',
        'Edit',
        'Glob',
        'Grep',
        'PowerShell',
        'Read',
        'WebFetch',
        'Write',
      ]);
      assert.deepEqual([...tools('deny')].sort(), ['Bash', 'Read', 'Write']);
      assert.ok(verdicts.filter((v) => v.tool === 'Bash' && v.decision === 'deny').length >= 10);
    } finally {
      repo.cleanup();
    }
  });

  it('starts no process and records nothing', async () => {
    const repo = gatedRepo({ 'README.md': '# x\n', 'src/a.ts': 'export const a = 1;\n' });
    try {
      // The config cache is what every call keeps (guard/config.ts); nothing else may appear.
      const files = () =>
        readdirSync(factoryDir(repo.dir))
          .filter((name) => name !== 'guard-config-cache.json')
          .sort();
      const before = files();
      const context = { cwd: repo.dir, env: repo.env };
      assert.deepEqual(await processesStarted(() => warmUpPreToolUse(repo.dir, context)), []);
      assert.deepEqual(files(), before);
      assert.equal(existsSync(repo.path('src/new.ts')), false);
      // The spy sees what the guard starts: find's selection runs find.
      const find = { tool: 'Bash', input: { command: 'find src -name "*.ts" -delete' } };
      const options = { cwd: repo.dir, repoRoot: repo.dir, home: repo.home, config: defaultGuardConfig };
      assert.deepEqual(await processesStarted(() => decide(find, options)), ['find']);
    } finally {
      repo.cleanup();
    }
  });
});
