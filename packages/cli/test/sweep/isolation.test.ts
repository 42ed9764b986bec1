import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { StateStore, stateDbPath } from '@factory/core';
import { makeTempRepo, runFactoryAsync, startForgeServer } from '@factory/testkit';

const TOKEN = 'ghp_SweepIsolationTokenNeverPrinted42';

interface SweepJson {
  summary: Record<string, number>;
  repositories: Array<{
    name: string;
    status: string;
    problems: string[];
    pulls: { forge: string; project: string; open: Array<{ number: number; verdict: string }> } | null;
  }>;
}

describe('factory sweep isolation and forges', () => {
  it('a repository that hangs times out alone; a missing one fails alone; the others finish', async () => {
    const base = makeTempRepo({ files: { 'README.md': 'x\n' } });
    try {
      StateStore.open({ path: stateDbPath(base.dir) }).close();
      const root = join(base.home, '..');
      const names = ['a', 'b', 'hang', 'c'];
      for (const name of names) cpSync(base.dir, join(root, name), { recursive: true });
      for (const name of names) {
        writeFileSync(join(root, name, 'run.sh'), name === 'hang' ? 'exec sleep 30\n' : 'exit 0\n');
      }
      const manifest = join(root, 'repos.yaml');
      writeFileSync(
        manifest,
        `repositories:\n${[...names, 'missing'].map((n) => `  - path: ${join(root, n)}\n`).join('')}`,
      );
      const env: NodeJS.ProcessEnv = { ...base.env, FACTORY_HOME: join(root, 'home') };
      const started = Date.now();
      const run = await runFactoryAsync(
        [
          'sweep',
          '--manifest',
          manifest,
          '--exec',
          'sh run.sh',
          '--timeout',
          '2',
          '--concurrency',
          '2',
          '--json',
        ],
        { env },
      );
      assert.ok(Date.now() - started < 20_000, 'the hanging command was stopped');
      assert.equal(run.status, 1, run.stderr);
      const result = JSON.parse(run.stdout) as SweepJson;
      const status = Object.fromEntries(result.repositories.map((r) => [r.name, r.status]));
      // The drift checks flag these bare repositories (no hooks, no guard); what matters is each status.
      assert.equal(status.hang, 'timeout');
      assert.equal(status.missing, 'failed');
      assert.match(result.repositories.find((r) => r.name === 'missing')!.problems[0]!, /does not exist/);
      for (const name of ['a', 'b', 'c']) assert.equal(status[name], 'unhealthy', name);
      assert.deepEqual(result.summary, { total: 5, healthy: 0, unhealthy: 3, failed: 1, timeout: 1 });
    } finally {
      base.cleanup();
    }
  });

  it('clones a repository that is missing when the manifest gives its url; --resume with nothing to retry', async () => {
    const base = makeTempRepo({ files: { 'README.md': 'x\n' } });
    try {
      const root = join(base.home, '..');
      const bare = join(root, 'upstream.git');
      base.git('clone', '--quiet', '--bare', base.dir, bare);
      const target = join(root, 'checkouts', 'app');
      const manifest = join(root, 'repos.yaml');
      writeFileSync(manifest, `repositories:\n  - path: ${target}\n    url: ${bare}\n`);
      const env: NodeJS.ProcessEnv = { ...base.env, FACTORY_HOME: join(root, 'home') };
      const run = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], { env });
      const repo = (
        JSON.parse(run.stdout) as SweepJson & {
          repositories: Array<{ git: { cloned: boolean; fetched: boolean } }>;
        }
      ).repositories[0]!;
      assert.equal(repo.git.cloned, true);
      assert.equal(repo.git.fetched, true);
      assert.equal(readFileSync(join(target, 'README.md'), 'utf8'), 'x\n');
      // Not initialized, so unhealthy: init it, and --resume retries it and finds it healthy.
      const init = await runFactoryAsync(['init', '--yes'], { cwd: target, env });
      assert.equal(init.status, 0, init.stderr);
      const resumed = await runFactoryAsync(['sweep', '--manifest', manifest, '--resume'], { env });
      assert.equal(resumed.status, 0, resumed.stdout);
      assert.match(resumed.stdout, /1 repositories swept: 1 healthy/);
      const nothing = await runFactoryAsync(['sweep', '--manifest', manifest, '--resume'], { env });
      assert.equal(nothing.status, 0);
      assert.match(nothing.stdout, /--resume has nothing to retry/);

      // A real commit that the installed pre-commit gate refuses shows as a gate failure since the last
      // sweep, once: the next sweep starts counting from there.
      writeFileSync(join(target, 'broken.txt'), '<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> other\n');
      const git = (...args: string[]) =>
        spawnSync('git', args, {
          cwd: target,
          env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH}` },
        });
      git('add', 'broken.txt');
      assert.notEqual(git('commit', '-m', 'conflict markers').status, 0, 'the gate refused the commit');
      // And a tool call the installed guard refuses, through the real hook command.
      const payload = {
        session_id: 's1',
        transcript_path: join(root, 't.jsonl'),
        cwd: target,
        permission_mode: 'default',
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'rm -rf /' },
        tool_use_id: 'toolu_1',
      };
      const hook = await runFactoryAsync(['hook', 'pre-tool-use'], {
        cwd: target,
        env,
        input: JSON.stringify(payload),
      });
      assert.match(hook.stdout, /"permissionDecision":"deny"/);
      const since = async () => {
        const out = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], { env });
        const state = (
          JSON.parse(out.stdout) as {
            repositories: Array<{ state: { gateFailuresSince: number; guardRefusalsSince: number } }>;
          }
        ).repositories[0]!.state;
        return [state.gateFailuresSince, state.guardRefusalsSince];
      };
      assert.deepEqual(await since(), [1, 1]);
      assert.deepEqual(await since(), [0, 0]);
    } finally {
      base.cleanup();
    }
  });

  it('reports open pull requests with the policy verdict, and the token reaches no output or state', async () => {
    const server = await startForgeServer();
    const base = makeTempRepo({ files: { 'README.md': 'x\n' } });
    try {
      server.github('acme/swept', { number: 1 });
      server.github('acme/swept', { number: 2, checks: [] });
      const manifest = join(base.home, 'repos.yaml');
      writeFileSync(
        manifest,
        `repositories:\n  - path: ${base.dir}\n    forge: github\n    project: acme/swept\n    review: { authors: ['*'] }\n`,
      );
      const home = join(base.home, 'factory-home');
      const env = {
        ...base.env,
        FACTORY_HOME: home,
        GITHUB_API_URL: server.githubApiUrl,
        GH_TOKEN: TOKEN,
      };
      const run = await runFactoryAsync(['sweep', '--manifest', manifest, '--json', '--debug'], { env });
      const result = JSON.parse(run.stdout) as SweepJson;
      assert.deepEqual(result.repositories[0]!.pulls, {
        forge: 'github',
        project: 'acme/swept',
        open: [
          { number: 1, title: 'change 1', verdict: 'merge' },
          { number: 2, title: 'change 2', verdict: 'blocked' },
        ],
      });
      assert.ok(server.requests.length > 0 && server.requests.every((r) => r.auth?.includes(TOKEN)));
      assert.equal(server.requests.filter((r) => r.method !== 'GET').length, 0, 'a sweep never merges');
      const text = await runFactoryAsync(['sweep', '--manifest', manifest, '--debug'], { env });
      for (const output of [run.stdout, run.stderr, text.stdout, text.stderr])
        assert.ok(!output.includes(TOKEN));
      for (const file of readdirSync(home)) {
        assert.ok(!readFileSync(join(home, file)).toString('latin1').includes(TOKEN), `token in ${file}`);
      }

      // Without a token the sweep says which variable to set, for that repository only.
      const noToken = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], {
        env: { ...env, GH_TOKEN: '', GITHUB_TOKEN: '' },
      });
      const problems = (JSON.parse(noToken.stdout) as SweepJson).repositories[0]!.problems;
      assert.ok(
        problems.some((p) => /set GITHUB_TOKEN or GH_TOKEN/.test(p)),
        problems.join('; '),
      );
    } finally {
      base.cleanup();
      await server.close();
    }
  });
});
