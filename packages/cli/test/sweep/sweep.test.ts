import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StateStore, stateDbPath } from '@factory/core';
import { makeTempDir, makeTempRepo, runFactoryAsync, type TempRepo } from '@factory/testkit';

const SKILL = '---\nname: demo\ndescription: a shipped skill\n---\nDo the thing.\n';
const GUARD = JSON.stringify({
  hooks: {
    PreToolUse: [
      { matcher: '*', hooks: [{ type: 'command', command: ': factory-guard; factory hook pre-tool-use' }] },
    ],
  },
});
const KINDS = ['healthy', 'no-hooks', 'stale-skills', 'invalid-config', 'unreachable'] as const;
type Kind = (typeof KINDS)[number];

interface SweepJson {
  version: number;
  summary: { total: number; healthy: number; unhealthy: number; failed: number; timeout: number };
  repositories: Array<{
    repo: string;
    name: string;
    status: string;
    problems: string[];
    git: {
      fetched: boolean | null;
      branch: string | null;
      dirty: number | null;
      ahead: number | null;
      behind: number | null;
    };
    drift: { checks: Array<{ name: string; ok: boolean }>; fixed: boolean | null };
    state: { initialized: boolean } | null;
    durationMs: number;
  }>;
}

/**
 * 30 real repositories, each with its own bare remote, made by copying one template clone and one bare
 * repository (a file copy is far cheaper than 60 git processes). One in five is healthy, the others drift
 * in one way each; exactly one has an unreachable remote.
 */
describe('factory sweep over 30 real repositories with bare remotes', () => {
  let template: TempRepo;
  let root: { dir: string; cleanup(): void };
  let manifest: string;
  let env: NodeJS.ProcessEnv;
  const kinds = new Map<string, Kind>();

  before(() => {
    template = makeTempRepo({
      files: {
        'README.md': '# app\n',
        '.claude/settings.json': GUARD,
        '.claude/skills/demo/SKILL.md': SKILL,
        'factory.config.json': '{ "gates": {} }\n',
      },
    });
    root = makeTempDir('factory-sweep-');
    const skills = join(root.dir, 'shipped-skills');
    mkdirSync(join(skills, 'demo'), { recursive: true });
    writeFileSync(join(skills, 'demo', 'SKILL.md'), SKILL);
    const bare = join(root.dir, 'template.git');
    execFileSync('git', ['clone', '--quiet', '--bare', template.dir, bare], { env: template.env });
    const clone = join(root.dir, 'template');
    execFileSync('git', ['clone', '--quiet', bare, clone], { env: template.env });
    writeFileSync(join(clone, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexec factory gate pre-commit\n', {
      mode: 0o755,
    });
    StateStore.open({ path: stateDbPath(clone) }).close();

    const lines = ['version: 1', 'defaults:', '  tags: [fleet]', 'repositories:'];
    for (let i = 0; i < 30; i++) {
      const name = `repo-${String(i).padStart(2, '0')}`;
      const kind: Kind = i === 29 ? 'unreachable' : i % 5 === 4 ? 'healthy' : (KINDS[i % 5] as Kind);
      kinds.set(name, kind);
      const dir = join(root.dir, name);
      const remote = join(root.dir, `${name}.git`);
      cpSync(bare, remote, { recursive: true });
      cpSync(clone, dir, { recursive: true });
      const config = join(dir, '.git', 'config');
      const url = kind === 'unreachable' ? join(root.dir, 'gone.git') : remote;
      writeFileSync(config, readFileSync(config, 'utf8').replace(bare, url));
      if (kind === 'no-hooks') rmSync(join(dir, '.git', 'hooks', 'pre-commit'));
      if (kind === 'stale-skills')
        writeFileSync(join(dir, '.claude', 'skills', 'demo', 'SKILL.md'), `${SKILL}old line\n`);
      if (kind === 'invalid-config') writeFileSync(join(dir, 'factory.config.json'), '{ "gates": \n');
      lines.push(`  - path: ${dir}`, `    tags: [${kind}]`);
    }
    manifest = join(root.dir, 'repos.yaml');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    env = { ...template.env, FACTORY_HOME: join(root.dir, 'home'), FACTORY_SKILLS_DIR: skills };
  });

  after(() => {
    template.cleanup();
    root.cleanup();
  });

  it('reports each repository correctly, exits 1 because some are unhealthy, and --json is stable', async () => {
    const first = await runFactoryAsync(['sweep', '--manifest', manifest, '--json', '--concurrency', '4'], {
      env,
    });
    assert.equal(first.status, 1, first.stderr);
    assert.equal(first.stderr, '');
    const result = JSON.parse(first.stdout) as SweepJson;
    assert.equal(result.version, 1);
    assert.equal(result.repositories.length, 30);
    const expectedProblem: Record<Kind, RegExp | undefined> = {
      healthy: undefined,
      'no-hooks': /^hooks: no pre-commit hook installed$/,
      'stale-skills': /^skills: stale skills: demo$/,
      'invalid-config': /^config: factory\.config\.json is not valid JSON/,
      unreachable: /^fetch failed: /,
    };
    for (const repo of result.repositories) {
      const kind = kinds.get(repo.name)!;
      assert.equal(repo.git.branch, 'main', repo.name);
      assert.equal(repo.state?.initialized, true, repo.name);
      if (kind === 'healthy') {
        assert.equal(repo.status, 'healthy', `${repo.name}: ${repo.problems.join('; ')}`);
        assert.deepEqual(repo.problems, []);
        assert.equal(repo.git.fetched, true);
        assert.equal(repo.git.dirty, 0);
        assert.deepEqual([repo.git.ahead, repo.git.behind], [0, 0]);
      } else {
        assert.equal(repo.status, 'unhealthy', repo.name);
        assert.equal(repo.problems.length, 1, `${repo.name}: ${repo.problems.join('; ')}`);
        assert.match(repo.problems[0]!, expectedProblem[kind]!, repo.name);
      }
    }
    const healthy = [...kinds.values()].filter((k) => k === 'healthy').length;
    assert.equal(healthy, 11);
    assert.deepEqual(result.summary, { total: 30, healthy, unhealthy: 30 - healthy, failed: 0, timeout: 0 });
    assert.equal(result.repositories.filter((r) => r.git.fetched === false).length, 1, 'one unreachable');

    // Stable: a second sweep over the same state gives the same document but for timings and ids.
    const second = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], { env });
    const normalise = (text: string) => {
      const doc = JSON.parse(text) as SweepJson & { sweepId?: number; options?: unknown };
      doc.sweepId = 0;
      doc.options = null;
      (doc as { trends?: unknown }).trends = null;
      for (const repo of doc.repositories) {
        repo.durationMs = 0;
        if (repo.state) (repo.state as { since?: unknown }).since = null;
      }
      return doc;
    };
    assert.deepEqual(normalise(second.stdout), normalise(first.stdout));
  });

  it('--only selects by tag, --resume retries only what was unhealthy last time, plain lines off a terminal', async () => {
    const only = await runFactoryAsync(['sweep', '--manifest', manifest, '--only', 'healthy'], { env });
    assert.equal(only.status, 0, only.stderr);
    assert.match(only.stdout, /11 repositories swept: 11 healthy/);
    assert.match(only.stderr, /^\[1\/11\] repo-\d\d: healthy$/m, 'one plain progress line per repository');
    assert.equal(only.stderr.trim().split('\n').length, 11);
    assert.doesNotMatch(only.stderr, /\u001b\[/, 'no terminal escapes when stderr is not a terminal');

    const resumed = await runFactoryAsync(['sweep', '--manifest', manifest, '--resume', '--json'], { env });
    const result = JSON.parse(resumed.stdout) as SweepJson & {
      trends: Record<string, Array<{ status: string }>>;
    };
    // The trend: earlier sweeps of each repository, newest first, from the home state store.
    const someDrifted = result.repositories[0]!.repo;
    assert.deepEqual(
      result.trends[someDrifted]!.map((t) => t.status),
      ['unhealthy', 'unhealthy'],
    );
    assert.equal(result.repositories.length, 19);
    assert.ok(result.repositories.every((r) => kinds.get(r.name) !== 'healthy'));
  });

  it('--exec runs in each repository and its failure marks that repository unhealthy', async () => {
    const run = await runFactoryAsync(
      [
        'sweep',
        '--manifest',
        manifest,
        '--only',
        'healthy',
        '--exec',
        'test -f README.md && basename "$PWD" | grep -q 04',
        '--json',
      ],
      { env },
    );
    const result = JSON.parse(run.stdout) as SweepJson & { repositories: Array<{ exec: { code: number } }> };
    const failing = result.repositories.filter((r) => r.status !== 'healthy').map((r) => r.name);
    assert.equal(failing.length, 10);
    assert.ok(!failing.includes('repo-04'));
  });

  it('--fix re-runs init in every drifted repository and reports what it did', async () => {
    const run = await runFactoryAsync(
      ['sweep', '--manifest', manifest, '--only', 'no-hooks', '--fix', '--json'],
      { env },
    );
    const result = JSON.parse(run.stdout) as SweepJson;
    assert.equal(result.repositories.length, 6);
    assert.ok(result.repositories.every((r) => kinds.get(r.name) === 'no-hooks'));
    for (const repo of result.repositories) {
      assert.notEqual(repo.drift.fixed, null, `${repo.name}: a fix was attempted`);
      if (repo.drift.fixed)
        assert.ok(
          repo.drift.checks.every((c) => c.ok),
          `${repo.name} mended`,
        );
      else assert.match(repo.problems.join('\n'), /--fix failed: /);
    }
  });

  it('a broken manifest names the line and what was expected', async () => {
    const broken = join(root.dir, 'broken.yaml');
    writeFileSync(broken, 'version: 1\nrepositories:\n  - path: /x\n    tagz: [a]\n');
    const run = await runFactoryAsync(['sweep', '--manifest', broken], { env });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /broken\.yaml line 4: repositories\[0\] has an unknown key "tagz"/);
  });
});
