import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { guardHookEntries } from '@factory/gates/guard/hook-entries';
import { factoryBin, makeTempRepo, projectRoot, runFactory, runScriptedClaude } from '@factory/testkit';

const evalsDir = join(projectRoot, 'evals');

describe('factory eval: the scripted lane through the real Claude Code CLI, then the recorded lane', () => {
  it("runs every scenario of this repository's evals/, records the run, writes JUnit, and re-checks a saved session", () => {
    const repo = makeTempRepo();
    try {
      const sessions = repo.path('sessions');
      const run = runFactory(
        ['eval', 'run', evalsDir, '--json', '--junit', 'junit.xml', '--save-sessions', sessions],
        { cwd: repo.dir, timeoutMs: 240_000 },
      );
      const report = JSON.parse(run.stdout);
      const failed = report.scenarios.filter((s: { status: string }) => s.status !== 'passed');
      assert.deepEqual(failed, [], run.stderr);
      assert.equal(run.status, 0);
      assert.equal(report.lane, 'scripted');
      assert.match(report.claudeVersion, /^\d+\.\d+\.\d+/);
      assert.ok(report.scenarios.length >= 11);
      assert.match(repo.read('junit.xml'), new RegExp(`tests="${report.scenarios.length}" failures="0"`));

      // The recorded lane on a session the real CLI produced: the same expectations hold (the shell
      // checks are skipped: a recording has no workspace).
      const scenario = join(evalsDir, 'commit-discipline.yaml');
      const session = join(sessions, 'commit-stages-deliberately.1.jsonl');
      const recorded = runFactory(['eval', 'run', scenario, '--transcript', session, '--json'], {
        cwd: repo.dir,
      });
      assert.equal(recorded.status, 0, recorded.stdout + recorded.stderr);
      const verdicts = JSON.parse(recorded.stdout).scenarios[0].attemptsDetail[0].verdicts;
      assert.deepEqual(
        verdicts.map((v: { status: string }) => v.status),
        ['passed', 'passed', 'passed', 'skipped', 'skipped'],
      );

      // A scenario that the recorded behaviour violates fails (exit 1), and compare flags the regression.
      const strict = repo.write(
        'strict.yaml',
        'name: commit-check\nprompt: p\nexpect:\n  - toolCall: { tool: Bash, input: { command: { contains: git commit } } }\n',
      );
      assert.equal(runFactory(['eval', 'run', strict, '--transcript', session], { cwd: repo.dir }).status, 0);
      writeFileSync(
        strict,
        'name: commit-check\nprompt: p\nexpect:\n  - noToolCall: { tool: Bash, input: { command: { contains: git commit } } }\n',
      );
      const failing = runFactory(['eval', 'run', strict, '--transcript', session], { cwd: repo.dir });
      assert.equal(failing.status, 1);
      assert.match(failing.stdout, /FAIL\s+commit-check[\s\S]*found #3 Bash .*git commit/);
      const compare = runFactory(['eval', 'compare', '--json'], { cwd: repo.dir });
      assert.equal(compare.status, 1);
      assert.deepEqual(JSON.parse(compare.stdout).regressed, ['commit-check']);
    } finally {
      repo.cleanup();
    }
  });
});

describe('memory injection through the real Claude Code CLI', () => {
  it('the scripted model server sees session-start and prompt memory; the transcript JSONL passes the recorded lane', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# demo\n' } });
    try {
      const add = (...args: string[]) => runFactory(['memory', 'add', ...args], { cwd: repo.dir });
      assert.equal(
        add('Deployments go through make deploy, never kubectl by hand.', '--tag', 'deploy').status,
        0,
      );
      assert.equal(add('The changelog is written in CHANGELOG.md, newest first.').status, 0);
      repo.write(
        '.claude/settings.json',
        JSON.stringify({ hooks: guardHookEntries({ nodePath: process.execPath, binPath: factoryBin }) }),
      );
      const run = await runScriptedClaude({
        cwd: repo.dir,
        home: repo.home,
        prompt: 'How do I deploy this?',
        script: {
          turns: [
            { toolCalls: [{ name: 'Bash', input: { command: 'ls', description: 'look' } }] },
            {
              toolCalls: [
                { name: 'Bash', input: { command: "git commit --no-verify -m 'x'", description: 'commit' } },
              ],
            },
          ],
        },
      });
      assert.equal(run.exitCode, 0, run.stderr);
      const main = run.server.requests.filter((r) => r.turn !== undefined).map((r) => r.raw);
      assert.ok(main.length > 0);
      // session-start: every entry; user-prompt-submit: the entry tagged deploy, under its own heading.
      assert.ok(main[0]?.includes('The changelog is written in CHANGELOG.md'), 'session memory missing');
      assert.ok(main[0]?.includes('Project memory that matches this request'), 'prompt memory missing');
      assert.ok(main[0]?.includes('make deploy, never kubectl by hand'));

      const projects = join(repo.home, '.claude', 'projects');
      const [project] = readdirSync(projects);
      const transcript = readdirSync(join(projects, project!)).find((f) => f.endsWith('.jsonl'));
      assert.ok(transcript, 'Claude Code wrote no transcript');
      const scenario = repo.write(
        'evals/transcript.yaml',
        [
          'name: transcript-check',
          'prompt: How do I deploy this?',
          'expect:',
          '  - toolCall: { tool: Bash, input: { command: ls } }',
          '  - refusedBy: { rule: no-verify, tool: { input: { command: { contains: --no-verify } } } }',
          '  - maxTurns: 4',
        ].join('\n'),
      );
      const file = join(projects, project!, transcript);
      assert.match(readFileSync(file, 'utf8'), /parentUuid/);
      const recorded = runFactory(['eval', 'run', scenario, '--transcript', file], { cwd: repo.dir });
      assert.equal(recorded.status, 0, recorded.stdout + recorded.stderr);
      assert.match(recorded.stdout, /PASS\s+transcript-check/);
      // The same transcript fails a scenario that expects no refusals: the guard's refusal is in it.
      const strict = repo.write(
        'evals/strict.yaml',
        'name: strict\nprompt: p\nexpect:\n  - noRefusals: true\n',
      );
      const failing = runFactory(['eval', 'run', strict, '--transcript', file], { cwd: repo.dir });
      assert.equal(failing.status, 1);
      assert.match(failing.stdout, /refused by a hook: factory guard refused this call: rule no-verify/);
      // A folder of transcripts means its newest session.
      const newest = runFactory(['eval', 'run', scenario, '--transcript', join(projects, project!)], {
        cwd: repo.dir,
      });
      assert.equal(newest.status, 0, newest.stdout + newest.stderr);
    } finally {
      repo.cleanup();
    }
  });
});

describe('factory memory', () => {
  it('add, list --json, rm; bad and unknown ids', () => {
    const repo = makeTempRepo();
    try {
      const added = runFactory(
        [
          'memory',
          'add',
          'Use uv, not pip.',
          '--tag',
          'python',
          '--tag',
          'deps',
          '--paths',
          '**/*.py',
          '--json',
        ],
        {
          cwd: repo.dir,
        },
      );
      assert.equal(added.status, 0, added.stderr);
      const entry = JSON.parse(added.stdout);
      assert.deepEqual(
        [entry.text, entry.tags, entry.paths],
        ['Use uv, not pip.', ['python', 'deps'], ['**/*.py']],
      );
      const list = JSON.parse(runFactory(['memory', 'list', '--json'], { cwd: repo.dir }).stdout);
      assert.equal(list.entries.length, 1);
      assert.match(
        runFactory(['memory', 'list'], { cwd: repo.dir }).stdout,
        /Use uv, not pip\.\s+#python #deps/,
      );
      assert.equal(runFactory(['memory', 'rm', String(entry.id)], { cwd: repo.dir }).status, 0);
      const again = runFactory(['memory', 'rm', String(entry.id)], { cwd: repo.dir });
      assert.equal(again.status, 1);
      assert.match(again.stderr, /there is no memory entry/);
      const bad = runFactory(['memory', 'rm', 'abc'], { cwd: repo.dir });
      assert.equal(bad.status, 2);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
    } finally {
      repo.cleanup();
    }
  });
});

describe('factory memory and the guard', () => {
  it('when the guard keeps refusing the same thing, memory says so and proposes an eval scenario', () => {
    const repo = makeTempRepo();
    try {
      for (const i of [1, 2, 3]) {
        const payload = {
          session_id: `s${i}`,
          cwd: repo.dir,
          hook_event_name: 'PreToolUse',
          tool_name: 'Bash',
          tool_input: { command: `git commit --no-verify -m 'attempt ${i}'` },
          tool_use_id: `t${i}`,
        };
        const hook = runFactory(['hook', 'pre-tool-use'], { cwd: repo.dir, input: JSON.stringify(payload) });
        assert.equal(JSON.parse(hook.stdout).hookSpecificOutput.permissionDecision, 'deny');
      }
      const list = JSON.parse(runFactory(['memory', 'list', '--json'], { cwd: repo.dir }).stdout);
      assert.equal(list.recurringRefusals.length, 1);
      const [found] = list.recurringRefusals;
      assert.deepEqual(
        [found.rule, found.count, found.sessions, found.proposal.kind],
        ['no-verify', 3, 3, 'eval'],
      );
      // The proposal is a scenario that factory eval accepts as it is.
      const scenario = repo.write('proposed.yaml', found.proposal.scenario.replace('TODO ', ''));
      assert.equal(runFactory(['eval', 'coverage', scenario, '--json'], { cwd: repo.dir }).status, 1);
      const added = runFactory(['memory', 'add', 'Never commit with --no-verify; fix the gate instead.'], {
        cwd: repo.dir,
      });
      assert.equal(added.status, 0);
      assert.match(
        added.stdout,
        /the guard already refused this 3 times \(rule no-verify\); a memory entry will not stop it, an eval scenario will/,
      );
      assert.match(
        added.stdout,
        /noToolCall: \{ tool: Bash, input: \{ command: \{ contains: "git commit --no-verify" \} \} \}/,
      );
    } finally {
      repo.cleanup();
    }
  });
});

describe('factory skills', () => {
  it('sync --preset installs, list reports drift, sync keeps edits unless --force', () => {
    const repo = makeTempRepo();
    try {
      const sync = runFactory(['skills', 'sync', '--preset', 'typescript', '--json'], { cwd: repo.dir });
      assert.equal(sync.status, 0, sync.stderr);
      assert.ok(JSON.parse(sync.stdout).changed.includes('typescript-quality'));
      assert.match(repo.read('.claude/skills/gate-failures/SKILL.md'), /^---\nname: gate-failures/);
      assert.equal(runFactory(['skills', 'list', '--check'], { cwd: repo.dir }).status, 0);

      repo.write(
        '.claude/skills/gate-failures/SKILL.md',
        `${repo.read('.claude/skills/gate-failures/SKILL.md')}\nlocal rule\n`,
      );
      const list = runFactory(['skills', 'list', '--check', '--json'], { cwd: repo.dir });
      assert.equal(list.status, 1);
      const states = Object.fromEntries(
        JSON.parse(list.stdout).skills.map((s: { name: string; state: string }) => [s.name, s.state]),
      );
      assert.equal(states['gate-failures'], 'edited');
      assert.equal(states['python-quality'], 'missing');

      const kept = runFactory(['skills', 'sync'], { cwd: repo.dir });
      assert.equal(kept.status, 0);
      assert.match(kept.stdout, /left alone because they were edited here: gate-failures/);
      assert.match(repo.read('.claude/skills/gate-failures/SKILL.md'), /local rule/);
      assert.equal(runFactory(['skills', 'sync', '--force'], { cwd: repo.dir }).status, 0);
      assert.doesNotMatch(repo.read('.claude/skills/gate-failures/SKILL.md'), /local rule/);
      assert.equal(runFactory(['skills', 'sync', '--preset', 'nope'], { cwd: repo.dir }).status, 2);
    } finally {
      repo.cleanup();
    }
  });
});

describe('factory eval: coverage and bad input', () => {
  it("coverage passes on this repository's evals and fails when a shipped skill has no scenario", () => {
    const repo = makeTempRepo();
    try {
      const ok = runFactory(['eval', 'coverage', evalsDir, '--json'], { cwd: repo.dir });
      assert.equal(ok.status, 0, ok.stdout);
      const report = JSON.parse(ok.stdout);
      assert.deepEqual([report.uncoveredSkills, report.uncoveredRules], [[], []]);
      // The guard's built-in rules are all there, each with a scenario.
      assert.ok(report.rules.length >= 12);
      assert.ok(report.rules.some((r: { name: string }) => r.name === 'no-verify'));
      const one = repo.write(
        'one.yaml',
        'name: one\nprompt: p\nskills: [gate-failures]\nexpect:\n  - noRefusals: true\n',
      );
      const partial = runFactory(['eval', 'coverage', one, '--json'], { cwd: repo.dir });
      assert.equal(partial.status, 1);
      assert.ok(JSON.parse(partial.stdout).uncoveredSkills.includes('python-quality'));
      assert.ok(JSON.parse(partial.stdout).uncoveredRules.includes('force-push'));
    } finally {
      repo.cleanup();
    }
  });

  it('a malformed scenario: exit 2, one sentence naming the file, the path inside it and what was expected', () => {
    const repo = makeTempRepo();
    try {
      const file = repo.write('bad.yaml', 'name: bad\nprompt: p\nexpect:\n  - toolCall: { tool: 42 }\n');
      const result = runFactory(['eval', 'run', file], { cwd: repo.dir });
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /bad\.yaml: at expect\[0\]\.toolCall\.tool \(line 4\): expected string or object, got number 42/,
      );
      assert.equal(result.stderr.trim().split('\n').length, 1);
      const both = runFactory(['eval', 'run', file, '--transcript', 'x', '--live'], { cwd: repo.dir });
      assert.equal(both.status, 2);
      for (const bad of [
        ['--runs', '0'],
        ['--max-cost', '-1'],
        ['--concurrency', 'two'],
      ]) {
        const result = runFactory(['eval', 'run', join(evalsDir, 'commit-discipline.yaml'), ...bad], {
          cwd: repo.dir,
        });
        assert.equal(result.status, 2, bad.join(' '));
        // Not a number at all is caught before the command (factory's check of every number option).
        assert.match(result.stderr, new RegExp(`${bad[0]} \\S+ is not a (positive|number)`));
      }
      const transcript = runFactory(
        ['eval', 'run', evalsDir, '--transcript', repo.write('empty.jsonl', 'not a session\n')],
        {
          cwd: repo.dir,
        },
      );
      assert.equal(transcript.status, 2);
      assert.match(transcript.stderr, /empty\.jsonl holds no Claude Code session/);
    } finally {
      repo.cleanup();
    }
  });

  it('a missing Claude Code CLI fails the scenario with the fix, not a crash', () => {
    const repo = makeTempRepo();
    try {
      const result = runFactory(
        ['eval', 'run', join(evalsDir, 'commit-discipline.yaml'), '--claude', repo.path('no-claude')],
        {
          cwd: repo.dir,
        },
      );
      assert.equal(result.status, 1);
      assert.match(
        result.stdout,
        /FAIL\s+commit-stages-deliberately[\s\S]*the Claude Code CLI was not found \(.*no-claude\); install @anthropic-ai\/claude-code or set FACTORY_CLAUDE/,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('finds Claude Code through FACTORY_CLAUDE, and through the old FACTORY_CLAUDE_BIN with one deprecation line', () => {
    const repo = makeTempRepo();
    try {
      const run = (env: NodeJS.ProcessEnv) =>
        runFactory(['eval', 'run', join(evalsDir, 'commit-discipline.yaml')], {
          cwd: repo.dir,
          env: { ...repo.env, FACTORY_CLAUDE: '', FACTORY_CLAUDE_BIN: '', ...env },
        });
      const now = run({ FACTORY_CLAUDE: repo.path('no-claude') });
      assert.equal(now.status, 1);
      assert.match(now.stdout, /the Claude Code CLI was not found \(.*no-claude\)/);
      assert.doesNotMatch(now.stderr, /deprecated/);
      const old = run({ FACTORY_CLAUDE_BIN: repo.path('old-name-claude') });
      assert.equal(old.status, 1);
      assert.match(old.stdout, /the Claude Code CLI was not found \(.*old-name-claude\)/);
      assert.deepEqual(
        old.stderr.split('\n').filter((line) => line.includes('FACTORY_CLAUDE_BIN')),
        [
          'factory: FACTORY_CLAUDE_BIN is deprecated and will be removed; set FACTORY_CLAUDE to the claude executable instead.',
        ],
        'one deprecation line',
      );
    } finally {
      repo.cleanup();
    }
  });
});
