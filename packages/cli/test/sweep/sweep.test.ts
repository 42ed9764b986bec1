import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { shippedSkillsDir } from '@factory/gates/skills/shipped';
import { syncSkills } from '@factory/gates/skills/sync';
import { makeTempDir, makeTempRepo, runFactory, runFactoryAsync, type TempRepo } from '@factory/testkit';
import { movePaths } from './fleet.js';

const KINDS = ['healthy', 'no-hooks', 'stale-skills', 'invalid-config', 'expired-leases'] as const;
type Kind = (typeof KINDS)[number] | 'unreachable';
const SKILL = 'factory-workflow';

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
    drift: { checks: Array<{ name: string; ok: boolean }>; fixed: boolean | null; fixDetail: string | null };
    state: { initialized: boolean; tasks: Record<string, number> | null; leasesRecovered: number } | null;
    durationMs: number;
  }>;
}

/**
 * 30 real repositories, each with its own bare remote. One template clone gets a real `factory init` and
 * its skills; the 30 are file copies of it and of its bare remote (far cheaper than 30 inits and 60 git
 * processes), with the absolute hooks path init recorded moved to each copy. One in five is healthy; the
 * others drift in one way each; exactly one has an unreachable remote.
 */
describe('factory sweep over 30 real repositories with bare remotes', () => {
  let template: TempRepo;
  let root: { dir: string; cleanup(): void };
  let manifest: string;
  let env: NodeJS.ProcessEnv;
  const kinds = new Map<string, Kind>();

  before(() => {
    template = makeTempRepo({ files: { 'README.md': '# app\n' } });
    root = makeTempDir('factory-sweep-');
    const bare = join(root.dir, 'template.git');
    template.git('clone', '--quiet', '--bare', template.dir, bare);
    const clone = join(root.dir, 'template');
    template.git('clone', '--quiet', bare, clone);
    const init = runFactory(['init', '--yes'], { cwd: clone, env: template.env });
    assert.equal(init.status, 0, init.stderr);
    // init installs the preset's skills (kept out of git in personal mode): the clone stays clean.
    syncSkills({ repoRoot: clone, names: [SKILL] });
    // An older release of one shipped skill, for the repositories whose skills went stale.
    const oldSkills = join(root.dir, 'old-skills');
    cpSync(shippedSkillsDir(), oldSkills, { recursive: true });
    writeFileSync(
      join(oldSkills, SKILL, 'SKILL.md'),
      `${readFileSync(join(oldSkills, SKILL, 'SKILL.md'), 'utf8')}\nAn old line.\n`,
    );

    const lines = ['version: 1', 'defaults:', '  tags: [fleet]', 'repositories:'];
    for (let i = 0; i < 30; i++) {
      const name = `repo-${String(i).padStart(2, '0')}`;
      const kind: Kind = i === 29 ? 'unreachable' : KINDS[i % 5]!;
      kinds.set(name, kind);
      const dir = join(root.dir, name);
      const remote = join(root.dir, `${name}.git`);
      cpSync(bare, remote, { recursive: true });
      cpSync(clone, dir, { recursive: true });
      const url = kind === 'unreachable' ? join(root.dir, 'gone.git') : remote;
      movePaths(clone, dir, bare, url);
      if (kind === 'no-hooks') rmSync(join(dir, '.husky', 'pre-commit'));
      if (kind === 'stale-skills') syncSkills({ repoRoot: dir, names: [SKILL], sourceDir: oldSkills });
      if (kind === 'invalid-config') writeFileSync(join(dir, 'factory.config.json'), '{ "gates": \n');
      if (kind === 'expired-leases') {
        // A worker claimed a task an hour ago with a one-minute lease, then died.
        const state = openRepositoryState(dir, { clock: () => Date.now() - 3_600_000 });
        state.tasks.add({ title: 'ship it' });
        assert.ok(state.tasks.claim({ owner: 'worker-1', ttlSeconds: 60 }));
        state.close();
      }
      lines.push(`  - path: ${dir}`, `    tags: [${kind}]`);
    }
    manifest = join(root.dir, 'repos.yaml');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    env = { ...template.env, FACTORY_HOME: join(root.dir, 'home') };
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
      // What init would change, then what factory doctor found.
      'no-hooks': /^hooks: hooks not installed or not current \(create \.husky\/pre-commit\); .*pre-commit/,
      'stale-skills': new RegExp(`^skills: stale: ${SKILL}$`),
      'invalid-config': /^config: .*factory\.config\.json/,
      'expired-leases': /^1 expired lease recovered/,
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
    assert.equal(healthy, 6);
    const leases = result.repositories.filter((r) => kinds.get(r.name) === 'expired-leases');
    assert.ok(leases.every((r) => r.state?.leasesRecovered === 1 && r.state.tasks?.['ticket/new'] === 1));
    assert.deepEqual(result.summary, { total: 30, healthy, unhealthy: 30 - healthy, failed: 0, timeout: 0 });
    assert.equal(result.repositories.filter((r) => r.git.fetched === false).length, 1, 'one unreachable');

    // Stable: once the leases are recovered, two sweeps over the same state give the same document but
    // for timings, ids and the growing trend.
    const second = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], { env });
    const third = await runFactoryAsync(['sweep', '--manifest', manifest, '--json'], { env });
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
    assert.deepEqual(normalise(third.stdout), normalise(second.stdout));
    const after = JSON.parse(second.stdout) as SweepJson;
    assert.equal(after.summary.healthy, 11, 'the recovered repositories are healthy again');
  });

  it('--only selects by tag, --resume retries only what was unhealthy last time, plain lines off a terminal', async () => {
    const only = await runFactoryAsync(['sweep', '--manifest', manifest, '--only', 'healthy'], { env });
    assert.equal(only.status, 0, only.stderr);
    assert.match(only.stdout, /6 repositories swept: 6 healthy/);
    assert.match(only.stderr, /^\[1\/6\] repo-\d\d: healthy$/m, 'one plain progress line per repository');
    assert.equal(only.stderr.trim().split('\n').length, 6);
    assert.doesNotMatch(only.stderr, /\u001b\[/, 'no terminal escapes when stderr is not a terminal');

    const resumed = await runFactoryAsync(['sweep', '--manifest', manifest, '--resume', '--json'], { env });
    const result = JSON.parse(resumed.stdout) as SweepJson & {
      trends: Record<string, Array<{ status: string }>>;
    };
    // The trend: earlier sweeps of each repository, newest first, from the home state store.
    const someDrifted = result.repositories[0]!.repo;
    assert.deepEqual(
      result.trends[someDrifted]!.map((t) => t.status),
      ['unhealthy', 'unhealthy', 'unhealthy'],
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
        'test -f README.md && basename "$PWD" | grep -q 05',
        '--json',
      ],
      { env },
    );
    const result = JSON.parse(run.stdout) as SweepJson & { repositories: Array<{ exec: { code: number } }> };
    const failing = result.repositories.filter((r) => r.status !== 'healthy').map((r) => r.name);
    assert.equal(failing.length, 5);
    assert.ok(!failing.includes('repo-05'));
  });

  it('--fix re-runs init where something drifted: hooks and stale skills are mended, an invalid config is not', async () => {
    const run = await runFactoryAsync(['sweep', '--manifest', manifest, '--resume', '--fix', '--json'], {
      env,
    });
    const result = JSON.parse(run.stdout) as SweepJson;
    // Unhealthy last time: the 19 drifted or unreachable ones, and the 5 whose --exec failed above.
    assert.equal(result.repositories.length, 24);
    for (const repo of result.repositories) {
      const kind = kinds.get(repo.name)!;
      if (kind === 'no-hooks' || kind === 'stale-skills') {
        assert.equal(repo.drift.fixed, true, `${repo.name}: ${repo.drift.fixDetail}`);
        assert.equal(repo.status, 'healthy', `${repo.name}: ${repo.problems.join('; ')}`);
        assert.ok(repo.drift.checks.every((c) => c.ok));
      } else if (kind === 'invalid-config') {
        // init refuses to touch a config it cannot read: a person must mend it.
        assert.equal(repo.drift.fixed, false);
        assert.match(repo.problems.join('\n'), /--fix failed: .*factory\.config\.json/);
      } else {
        assert.ok(kind === 'unreachable' || kind === 'healthy', kind);
        assert.equal(repo.drift.fixed, null, 'nothing drifted, nothing to fix');
        assert.equal(repo.status, kind === 'healthy' ? 'healthy' : 'unhealthy');
      }
    }
    // The mended ones stay mended: a plain sweep of them is healthy.
    const check = await runFactoryAsync(['sweep', '--manifest', manifest, '--only', 'no-hooks', '--json'], {
      env,
    });
    assert.equal(check.status, 0, check.stdout);
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
