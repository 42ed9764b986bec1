import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { recordedMarkPath } from '@factory/gates/install/control-record';
import { runFactory, type TempRepo } from '@factory/testkit';
import { gatedRepo, gitWith, initFactory } from '../helpers.js';

/**
 * Tamper evidence, through real git and the built bin: `factory init` records the control files; when one
 * differs, the gates and the guard refuse everything, saying what changed, until the human runs
 * `factory init` again (the agent's own init is refused by the guard, and by init inside an agent session).
 */

function guard(repo: TempRepo, tool: string, input: unknown): { decision: string; reason: string } {
  const payload = JSON.stringify({ session_id: 's', cwd: repo.dir, tool_name: tool, tool_input: input });
  const out = runFactory(['hook', 'pre-tool-use'], { cwd: repo.dir, env: repo.env, input: payload });
  assert.equal(out.status, 0, out.stderr);
  if (out.stdout.trim() === '') return { decision: 'allow', reason: '' };
  const answer = JSON.parse(out.stdout).hookSpecificOutput;
  return { decision: answer.permissionDecision, reason: answer.permissionDecisionReason };
}

function tryCommit(repo: TempRepo, file: string) {
  repo.write(file, `${file}\n`);
  repo.git('add', file);
  return gitWith(repo, repo.env, 'commit', '-q', '-m', `add ${file}`);
}

describe('tamper evidence: a control file changed behind init’s back stops everything but the repair', () => {
  const changes: Array<[string, (repo: TempRepo) => void, RegExp]> = [
    [
      'a hook script edited',
      (repo) => repo.write('.husky/pre-commit', `${repo.read('.husky/pre-commit')}\n# tweak\n`),
      /\.husky\/pre-commit changed/,
    ],
    [
      'a config that shadows factory.config.json (package.json#factory)',
      (repo) => repo.write('package.json', JSON.stringify({ name: 'x', factory: { gates: {} } })),
      /the config \(now package\.json#factory, recorded factory\.config\.json\) changed/,
    ],
    [
      'a config in an earlier search place',
      (repo) => repo.write('.config/factoryrc.json', '{}\n'),
      /now \.config\/factoryrc\.json/,
    ],
    [
      'the guard’s entries removed from the settings',
      (repo) => repo.write('.claude/settings.local.json', '{}\n'),
      /settings\.local\.json \(factory's entries\) changed/,
    ],
    [
      'the control record deleted',
      (repo) => rmSync(repo.path('.factory/control.json')),
      /control\.json missing/,
    ],
  ];

  for (const [name, change, what] of changes) {
    it(name, () => {
      const repo = gatedRepo();
      try {
        change(repo);
        const refused = tryCommit(repo, 'a.txt');
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /control files differ from what factory init recorded/);
        assert.match(refused.stderr, what);
        const denied = guard(repo, 'Bash', { command: 'ls' });
        assert.equal(denied.decision, 'deny');
        assert.match(denied.reason, /ask the human to check the change and run factory init/);
        assert.match(denied.reason, what);
        // The repair is the human's: the agent's factory init would record its own change as good.
        const agentInit = guard(repo, 'Bash', { command: 'factory init --yes' });
        assert.equal(agentInit.decision, 'deny');
        assert.match(
          agentInit.reason,
          /ask the human to check the change and run factory init in a terminal/,
        );
        const repaired = initFactory(repo);
        assert.equal(repaired.status, 0, repaired.stderr);
        assert.equal(guard(repo, 'Bash', { command: 'ls' }).decision, 'allow');
        const committed = gitWith(repo, repo.env, 'commit', '-q', '-m', 'add a.txt');
        assert.equal(committed.status, 0, committed.stderr);
      } finally {
        repo.cleanup();
      }
    });
  }

  it('a JS config is refused by the hooks with one sentence, never executed, even after factory init', () => {
    const repo = gatedRepo();
    try {
      rmSync(repo.path('factory.config.json'));
      const marker = repo.path('ran.txt');
      repo.write(
        'factory.config.mjs',
        `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nexport default {};\n`,
      );
      // The human's change is recorded; the config is still not something a hook runs.
      rmSync(recordedMarkPath(repo.dir)!);
      rmSync(repo.path('.factory/control.json'));
      const refused = tryCommit(repo, 'a.txt');
      assert.notEqual(refused.status, 0);
      assert.match(
        refused.stderr,
        /factory\.config\.mjs is a JavaScript or TypeScript config, which factory's hooks do not execute/,
      );
      const denied = guard(repo, 'Bash', { command: 'ls' });
      assert.equal(denied.decision, 'deny');
      assert.match(
        denied.reason,
        /factory\.config\.mjs is a JavaScript or TypeScript config, which factory's hooks do not execute/,
      );
      assert.equal(existsSync(marker), false, 'the config never ran inside a hook');
    } finally {
      repo.cleanup();
    }
  });

  it('git config keys that pick what the hooks run (factory.bin, core.fsmonitor) are recorded too', () => {
    const repo = gatedRepo();
    try {
      repo.git('config', 'core.fsmonitor', 'touch /tmp/pwned');
      const denied = guard(repo, 'Bash', { command: 'ls' });
      assert.equal(denied.decision, 'deny');
      assert.match(denied.reason, /\.git\/config \(core\.fsmonitor\) changed/);
      repo.git('config', '--unset', 'core.fsmonitor');
      assert.equal(guard(repo, 'Bash', { command: 'ls' }).decision, 'allow');
    } finally {
      repo.cleanup();
    }
  });

  it('core.hooksPath pointed elsewhere: the guard notices (git would run no hook at all)', () => {
    const repo = gatedRepo();
    try {
      repo.git('config', 'core.hooksPath', '/dev/null');
      const denied = guard(repo, 'Read', { file_path: repo.path('README.md') });
      assert.equal(denied.decision, 'deny');
      assert.match(denied.reason, /core\.hooksPath\) changed/);
    } finally {
      repo.cleanup();
    }
  });

  it('a human’s config change is taken on by factory init, and a second init changes nothing', () => {
    const repo = gatedRepo();
    try {
      repo.write('factory.config.json', JSON.stringify({ extends: 'base', guard: { audit: 'all' } }));
      assert.notEqual(tryCommit(repo, 'a.txt').status, 0);
      const dry = runFactory(['init', '--dry-run'], { cwd: repo.dir, env: repo.env });
      assert.match(dry.stdout, /record the control files in \.factory\/control\.json/);
      assert.equal(initFactory(repo).status, 0);
      assert.match(initFactory(repo).stdout, /nothing changed/);
      const committed = gitWith(repo, repo.env, 'commit', '-q', '-m', 'add a.txt');
      assert.equal(committed.status, 0, committed.stderr);
    } finally {
      repo.cleanup();
    }
  });

  it('factory init inside an agent session records nothing while a control file differs; in a terminal it repairs', () => {
    const repo = gatedRepo();
    try {
      const record = readFileSync(repo.path('.factory/control.json'), 'utf8');
      const tampered = `${repo.read('.husky/pre-commit')}\nexit 0\n`;
      repo.write('.husky/pre-commit', tampered);
      // As the agent's Bash tool runs it (Claude Code sets CLAUDECODE=1), and past the guard.
      const agent = initFactory(repo, [], { ...repo.env, CLAUDECODE: '1' });
      assert.equal(agent.status, 1, agent.stderr);
      assert.match(
        agent.stderr,
        /factory init refused: control files differ from what factory init recorded \(\.husky\/pre-commit changed\), and this init runs inside an agent session \(CLAUDECODE is set\)/,
      );
      assert.equal(agent.stderr.trim().split('\n').length, 1, agent.stderr);
      assert.equal(
        readFileSync(repo.path('.factory/control.json'), 'utf8'),
        record,
        'the record is untouched',
      );
      assert.equal(repo.read('.husky/pre-commit'), tampered, 'nothing was written');
      assert.notEqual(tryCommit(repo, 'a.txt').status, 0, 'still refused: the change was not taken on');
      for (const marker of ['CODEX_SANDBOX', 'GEMINI_CLI'])
        assert.equal(initFactory(repo, [], { ...repo.env, [marker]: '1' }).status, 1, marker);
      // A dry run writes nothing and may run anywhere.
      assert.equal(initFactory(repo, ['--dry-run'], { ...repo.env, CLAUDECODE: '1' }).status, 0);
      // The human's terminal: the repair.
      const human = initFactory(repo);
      assert.equal(human.status, 0, human.stderr);
      assert.notEqual(repo.read('.husky/pre-commit'), tampered);
      assert.equal(guard(repo, 'Bash', { command: 'ls' }).decision, 'allow');
      // Nothing differs now: the agent's init changes nothing and passes.
      const again = initFactory(repo, [], { ...repo.env, CLAUDECODE: '1' });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /nothing changed/);
    } finally {
      repo.cleanup();
    }
  });
});
