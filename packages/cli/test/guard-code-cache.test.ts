import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { installedPackageName } from '@factory/core/config/control-files';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { permissionDenyRules, sandboxPaths } from '@factory/gates/install/claude-engines';
import {
  makeTempDir,
  makeTempRepo,
  type PrivateFactoryBuild,
  privateFactoryBuild,
  runFactory,
  type TempRepo,
} from '@factory/testkit';
import { codeCachePath } from '../src/fast-path.js';

/**
 * The guard's code cache (packages/cli/src/fast-path.ts): the bundle compiled through node:vm with a V8
 * code cache taken after a decision, one per kind of tool, beside the bundle (never in Node's compile
 * cache folder, under the temp folder the agent's sandbox may write). It is taken again per refusing rule
 * (Bash, a reset-hard refusal; Read), a corrupt or stale one is not used and taken again, and the
 * decisions are the same with it, without it and with no cache at all. A private copy of the build, so that the
 * cache beside its bundle is this test's alone.
 */

function hook(
  build: PrivateFactoryBuild,
  repo: TempRepo,
  env: NodeJS.ProcessEnv,
  tool: string,
  input: Record<string, unknown>,
) {
  const result = runFactory(['hook', 'pre-tool-use'], {
    bin: build.bin,
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

/** As root no permission stops a write: the hook then runs as `nobody`. */
const asNobody = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : undefined;

/** The groups a cache file says it covers (its third line), or undefined when there is none. */
function groupsOf(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'latin1').split('\n', 3)[2];
}

describe("the guard's code cache", () => {
  it('is taken per kind of tool beside the bundle, survives corruption, and never changes a decision', () => {
    const build = privateFactoryBuild();
    const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n', '.env': 'A=1\n' } });
    const nodeCache = makeTempDir('factory-node-compile-cache-');
    try {
      const bundle = join(build.gatesDist, 'hook', 'pre-tool-use-entry.bundle.cjs');
      // One per kind of tool: a Bash call does not load what the Reads ran.
      const cache = codeCachePath(bundle, 'Bash');
      const readCache = codeCachePath(bundle, 'Read');
      // Node's own compile cache in a temp folder, as it is by default: the guard's cache is not put there.
      const env = { ...repo.env, NODE_COMPILE_CACHE: nodeCache.dir };
      const calls: Array<[string, Record<string, unknown>, string]> = [
        ['Bash', { command: 'ls -la' }, 'allow'],
        ['Bash', { command: 'git reset --hard' }, 'deny'],
        ['Read', { file_path: join(repo.dir, '.env') }, 'deny'],
        ['Read', { file_path: join(repo.dir, 'README.md') }, 'allow'],
      ];
      const expect = (e: NodeJS.ProcessEnv) => {
        for (const [tool, input, decision] of calls)
          assert.equal(hook(build, repo, e, tool, input), decision, `${tool} ${JSON.stringify(input)}`);
      };
      assert.equal(groupsOf(cache), undefined);
      hook(build, repo, env, 'Bash', { command: 'ls' });
      // An allowed command's group names its programs: another program's analysis is other code.
      assert.equal(groupsOf(cache), 'Bash ls');
      expect(env);
      // A refusal runs code an allow does not (the audit record, the rule's hit): taken again per rule.
      assert.equal(groupsOf(cache), 'Bash ls,Bash refused reset-hard');
      assert.equal(groupsOf(readCache), 'Read refused secret-files,Read');
      hook(build, repo, env, 'Bash', { command: 'cd src && git status' });
      assert.equal(groupsOf(cache), 'Bash ls,Bash refused reset-hard,Bash cd+git');
      const inNodeCache = readdirSync(nodeCache.dir, { recursive: true, encoding: 'utf8' });
      assert.deepEqual(
        inNodeCache.filter((name) => /factory|v8/.test(name)),
        [],
        'nothing of the guard in the temp folder',
      );
      // Garbage where the cache was: not used, the bundle compiles as usual, and the cache is taken again.
      writeFileSync(cache, Buffer.alloc(4096, 7));
      expect(env);
      assert.equal(groupsOf(cache), 'Bash ls,Bash refused reset-hard');
      // A cache of another bundle (its stat is in the first lines) is stale: not used, taken again.
      const [magic, , ...rest] = readFileSync(cache, 'latin1').split('\n');
      writeFileSync(cache, Buffer.from([magic, '1|2|3|4|v0|x', ...rest].join('\n'), 'latin1'));
      hook(build, repo, env, 'Bash', { command: 'ls' });
      assert.equal(groupsOf(cache), 'Bash ls');
      // With the caches off (NODE_DISABLE_COMPILE_CACHE), none is read or written: the same decisions.
      writeFileSync(cache, Buffer.alloc(4096, 7));
      expect({ ...repo.env, NODE_DISABLE_COMPILE_CACHE: '1' });
      assert.deepEqual(readFileSync(cache), Buffer.alloc(4096, 7));
    } finally {
      repo.cleanup();
      nodeCache.cleanup();
      build.cleanup();
    }
  });

  it('is not written where the hook may not write, and the decisions stay the same', () => {
    const build = privateFactoryBuild();
    const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
    try {
      // The bundle's folder read-only, as in a root-owned global install. The tests run as root, which no
      // permission stops: then the hook runs as nobody, with the temporary folders opened to it.
      chmodSync(join(build.gatesDist, 'hook'), 0o555);
      if (asNobody) {
        chmodSync(build.dir, 0o755);
        for (const dir of [dirname(repo.dir), repo.dir]) chmodSync(dir, 0o777);
      }
      const cache = codeCachePath(join(build.gatesDist, 'hook', 'pre-tool-use-entry.bundle.cjs'), 'Bash');
      for (const [command, decision] of [
        ['ls -la', 'allow'],
        ['git reset --hard', 'deny'],
      ] as const) {
        const result = runFactory(['hook', 'pre-tool-use'], {
          bin: build.bin,
          cwd: repo.dir,
          env: repo.env,
          ...asNobody,
          input: JSON.stringify({
            session_id: 'ro',
            cwd: repo.dir,
            hook_event_name: 'PreToolUse',
            tool_name: 'Bash',
            tool_input: { command },
          }),
        });
        assert.equal(result.status, 0, result.stderr);
        const text = result.stdout.trim();
        assert.equal(text ? JSON.parse(text).hookSpecificOutput.permissionDecision : 'allow', decision);
      }
      assert.equal(existsSync(cache), false);
    } finally {
      repo.cleanup();
      build.cleanup();
    }
  });

  it('lives where the agent may not write: the guard refuses it and init denies it to the sandbox', () => {
    // A team install (node_modules/code-factory-cli, which scripts/pack.mjs builds): the bundles and their
    // caches in its dist folder, as the packed install has them.
    const repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n', 'forged.bin': 'x' } });
    try {
      const dist = `node_modules/${installedPackageName}/dist`;
      repo.write(`node_modules/${installedPackageName}/package.json`, `{"name":"${installedPackageName}"}`);
      const caches = [
        codeCachePath(`${dist}/gate/run.bundle.cjs`),
        codeCachePath(`${dist}/hook/pre-tool-use-entry.bundle.cjs`, 'Bash'),
      ];
      for (const cache of caches) {
        repo.write(cache, 'taken by a hook');
        const decision = (tool: string, input: Record<string, unknown>) =>
          decide(
            { tool, input },
            { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
          ).decision;
        for (const command of [
          `cp forged.bin ${cache}`,
          `cat forged.bin > ${cache}`,
          `tee ${cache} < forged.bin`,
          `mv forged.bin ${cache}`,
          `ln -sf "$PWD/forged.bin" ${cache}`,
          `rm ${cache}`,
        ])
          assert.equal(decision('Bash', { command }), 'deny', command);
        assert.equal(decision('Write', { file_path: repo.path(cache), content: 'x' }), 'deny', cache);
      }
      // Claude Code's own engines: the Edit rule and the sandbox's read-only paths cover the package.
      assert.ok(permissionDenyRules().includes(`Edit(./node_modules/${installedPackageName}/**)`));
      const { denyWrite } = sandboxPaths(repo.dir, repo.home);
      assert.ok(denyWrite.includes(`./node_modules/${installedPackageName}`), denyWrite.join(' '));
    } finally {
      repo.cleanup();
    }
  });
});
