import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDoctor } from '@factory/gates/doctor/doctor';
import { recordedMarkPath } from '@factory/gates/install/control-record';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo } from '../helpers.js';

function doctor(repo: TempRepo, cwd = repo.dir, env = repo.env) {
  const result = runFactory(['doctor', '--json'], { cwd, env });
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    findings: Array<{ id: string; problem: string; fix: string }>;
  };
  return { status: result.status, ids: report.findings.map((f) => f.id), report };
}

/** In process, for the many states of one repository (the same module the CLI calls; real git, real files). */
async function doctorInProcess(repo: TempRepo, env = repo.env) {
  const findings = await runDoctor(repo.dir, env);
  return {
    status: findings.length > 0 ? 1 : 0,
    ids: findings.map((f) => f.id),
    report: { ok: findings.length === 0, findings },
  };
}

describe('factory doctor', () => {
  it('is quiet on a healthy install and finds each silent-failure state, with a fix, exit 1', async () => {
    const repo = gatedRepo();
    try {
      assert.deepEqual(doctor(repo), { status: 0, ids: [], report: { ok: true, findings: [] } });
      const human = runFactory(['doctor'], { cwd: repo.dir, env: repo.env });
      assert.match(human.stdout, /no problems found/);

      const cases: Array<[string, () => void, () => void, NodeJS.ProcessEnv?]> = [];
      const hooksPath = repo.git('config', 'core.hooksPath').trim();
      cases.push([
        'hooksPathUnset',
        () => repo.git('config', '--unset', 'core.hooksPath'),
        () => repo.git('config', 'core.hooksPath', hooksPath),
      ]);
      cases.push([
        'hooksPathChanged',
        () => repo.git('config', 'core.hooksPath', '.githooks'),
        () => repo.git('config', 'core.hooksPath', hooksPath),
      ]);
      const script = repo.read('.husky/pre-commit');
      cases.push([
        'gateNotCalled',
        () => repo.write('.husky/pre-commit', '#!/bin/sh\necho replaced\n'),
        () => repo.write('.husky/pre-commit', script),
      ]);
      cases.push([
        'binaryUnreachable',
        () =>
          repo.write(
            '.husky/pre-commit',
            script.replaceAll(/'[^']*bin\.js'/g, "'/nonexistent/factory/bin.js'"),
          ),
        () => repo.write('.husky/pre-commit', script),
      ]);
      cases.push([
        'huskyDispatchMissing',
        () => rmSync(repo.path('.husky/_/h')),
        () => runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env }),
      ]);
      cases.push(['huskyDisabled', () => {}, () => {}, { ...repo.env, HUSKY: '0' }]);
      cases.push([
        'hookShadowed',
        () => {
          writeFileSync(repo.path('.git/hooks/post-checkout'), '#!/bin/sh\nexit 0\n');
          chmodSync(repo.path('.git/hooks/post-checkout'), 0o755);
        },
        () => rmSync(repo.path('.git/hooks/post-checkout')),
      ]);
      cases.push([
        'lefthookUnreachable',
        () => {
          // lefthook's stub, in short: it exits 0 when it cannot find lefthook.
          writeFileSync(
            repo.path('.git/hooks/pre-commit'),
            '#!/bin/sh\nif lefthook -h >/dev/null 2>&1; then lefthook run pre-commit "$@"; fi\nexit 0\n',
          );
          chmodSync(repo.path('.git/hooks/pre-commit'), 0o755);
          runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
        },
        () => {
          rmSync(repo.path('.git/hooks/pre-commit'));
          runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
        },
      ]);
      const settings = repo.read('.claude/settings.local.json');
      cases.push([
        'guardMissing',
        () => repo.write('.claude/settings.local.json', '{}\n'),
        () => repo.write('.claude/settings.local.json', settings),
      ]);
      cases.push([
        'hooksDisabled',
        () =>
          repo.write(
            '.claude/settings.local.json',
            JSON.stringify({ ...JSON.parse(settings), disableAllHooks: true }),
          ),
        () => repo.write('.claude/settings.local.json', settings),
      ]);
      cases.push([
        'hookStubMissing',
        () => chmodSync(repo.path('.husky/_/commit-msg'), 0o644),
        () => chmodSync(repo.path('.husky/_/commit-msg'), 0o755),
      ]);
      const config = repo.read('factory.config.json');
      cases.push([
        'commitMsgFiltered',
        () =>
          repo.write('factory.config.json', JSON.stringify({ gates: { commitMsg: { pattern: '^feat' } } })),
        () => repo.write('factory.config.json', config),
      ]);
      cases.push([
        'configInvalid',
        () => repo.write('factory.config.json', '{"gates": 1}'),
        () => repo.write('factory.config.json', config),
      ]);
      cases.push([
        'stateUnhealthy',
        () => {
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(repo.path(`.factory/state.db${suffix}`), { force: true });
          writeFileSync(
            repo.path('.factory/state.db'),
            'this is not a database, just text that is long enough '.repeat(40),
          );
        },
        () => {
          rmSync(repo.path('.factory/state.db'));
          runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
        },
      ]);

      // Enforcement at the point of effect.
      cases.push([
        'refTransactionMissing',
        () => rmSync(repo.path('.husky/_/reference-transaction')),
        () => runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env }),
      ]);
      cases.push([
        'controlTampered',
        () => repo.write('.husky/pre-commit', `${script}\nexit 0\n`),
        () => repo.write('.husky/pre-commit', script),
      ]);
      cases.push([
        'controlTampered',
        () => repo.write('.factoryrc.json', '{}\n'),
        () => rmSync(repo.path('.factoryrc.json')),
      ]);
      cases.push([
        'controlTampered',
        () => rmSync(repo.path('.factory/control.json')),
        () => runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env }),
      ]);
      cases.push([
        'controlUnrecorded',
        () => {
          rmSync(repo.path('.factory/control.json'));
          rmSync(recordedMarkPath(repo.dir)!); // as an install from before the record
        },
        () => runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env }),
      ]);
      const oldClaude = repo.write('bin/claude', '#!/bin/sh\necho "2.1.100 (Claude Code)"\n');
      chmodSync(oldClaude, 0o755);
      cases.push(['claudeCodeOutdated', () => {}, () => {}, { ...repo.env, FACTORY_CLAUDE: oldClaude }]);
      cases.push(['sandboxToolsMissing', () => {}, () => {}, { ...repo.env, PATH: repo.path('bin') }]);
      cases.push([
        'guardIncomplete',
        () => {
          const parsed = JSON.parse(settings);
          parsed.hooks.PreToolUse[0].matcher = 'Bash|Edit|Write|MultiEdit|NotebookEdit|PowerShell|Read';
          delete parsed.hooks.PreToolUse[0].hooks[0].onFailure;
          repo.write('.claude/settings.local.json', JSON.stringify(parsed));
        },
        () => repo.write('.claude/settings.local.json', settings),
      ]);

      for (const [id, breakIt, repair, env] of cases) {
        breakIt();
        const found = await doctorInProcess(repo, env ?? repo.env);
        assert.equal(found.status, 1, `${id}: exit 1`);
        assert.ok(found.ids.includes(id), `${id} not found: ${found.ids.join(', ')}`);
        const finding = found.report.findings.find((f) => f.id === id)!;
        assert.ok(finding.problem.length > 0 && finding.fix.length > 0);
        repair();
      }
      assert.deepEqual((await doctorInProcess(repo)).ids, [], 'every state repaired');
      repo.git('config', '--unset', 'core.hooksPath');
      const cli = doctor(repo);
      assert.equal(cli.status, 1, 'the CLI exits 1 when anything is wrong');
      // Unsetting core.hooksPath behind init's back is also tamper.
      assert.deepEqual(cli.ids, ['hooksPathUnset', 'controlTampered']);
      assert.match(
        runFactory(['doctor'], { cwd: repo.dir, env: repo.env }).stdout,
        /hooksPathUnset: .*\n\s+fix: run factory init/,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('a fresh worktree of a team setup is gated through the main worktree, also after husky’s install; finds .husky/_ missing there when only husky’s relative path is left', () => {
    const repo = gatedRepo({ 'README.md': '#\n' }, ['--team']);
    try {
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'factory');
      const tree = join(repo.home, 'wt');
      repo.git('worktree', 'add', '-q', '-b', 'side', tree);
      const healthy = doctor(repo, tree);
      assert.deepEqual(healthy.ids, []);
      // husky's prepare (npm install) sets its relative convention in .git/config again: factory's value,
      // from the file included at its end, still wins, so the worktree stays gated.
      repo.git('config', 'core.hooksPath', '.husky/_');
      assert.deepEqual(doctor(repo, tree).ids, []);
      // Without that file (set up by hand, or an earlier release), a new worktree has no .husky/_.
      repo.git('config', '--unset', 'include.path', 'factory-hooks.config');
      const found = doctor(repo, tree);
      assert.equal(found.status, 1);
      assert.ok(found.ids.includes('huskyDispatchMissing'), found.ids.join(', '));
    } finally {
      repo.cleanup();
    }
  });
});
