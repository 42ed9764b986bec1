import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** `factory guard explain|check|log|allow` through the built bin. */
describe('factory guard', () => {
  let repo: TempRepo;
  const factory = (...args: string[]) => runFactory(args, { cwd: repo.dir, env: repo.env });
  before(() => {
    repo = makeTempRepo({ branch: 'feature/cli', files: { 'src/a.ts': 'export {};\n' } });
  });
  after(() => repo.cleanup());

  it('explain shows the decision, the rule and every program the command runs (exit 1 when refused)', () => {
    const result = factory('guard', 'explain', '--', 'bash', '-c', '"sudo git push --force"');
    assert.equal(result.status, 1);
    assert.match(result.stdout, /decision: deny \(rule force-push\)/);
    assert.match(result.stdout, /git push --force\s+\[via bash > sudo\]/);
    const json = JSON.parse(factory('guard', 'explain', '--json', '--', 'git', 'status').stdout);
    assert.equal(json.decision, 'allow');
    assert.deepEqual(json.invocations, [{ program: 'git', args: ['status'], via: [] }]);
  });

  it('explain without a command is a usage error', () => {
    const result = factory('guard', 'explain');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /name the command to explain/);
  });

  it('check decides any tool call; bad input is one sentence with exit 2', () => {
    const write = factory(
      'guard',
      'check',
      '--tool',
      'Write',
      '--input',
      JSON.stringify({ file_path: repo.path('.env'), content: 'A=1' }),
      '--json',
    );
    assert.equal(write.status, 1);
    assert.equal(JSON.parse(write.stdout).rule, 'secret-files');
    const ok = factory(
      'guard',
      'check',
      '--tool',
      'Edit',
      '--input',
      JSON.stringify({ file_path: repo.path('src/a.ts'), old_string: 'a', new_string: 'b' }),
    );
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /decision: allow/);
    for (const input of ['{not json', '[1]', '{"command": 5}']) {
      const bad = factory('guard', 'check', '--tool', 'Bash', '--input', input);
      assert.equal(bad.status, 2, input);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      assert.doesNotMatch(bad.stderr, /\n\s+at /);
    }
  });

  it('log lists recorded decisions newest first, as text and as one JSON document', () => {
    const payload = (command: string) =>
      JSON.stringify({
        session_id: 's-log',
        cwd: repo.dir,
        hook_event_name: 'PreToolUse',
        tool_name: 'Bash',
        tool_input: { command },
      });
    runFactory(['hook', 'pre-tool-use'], {
      cwd: repo.dir,
      env: repo.env,
      input: payload('git reset --hard'),
    });
    runFactory(['hook', 'pre-tool-use'], { cwd: repo.dir, env: repo.env, input: payload('git clean -fdx') });
    const rows = JSON.parse(factory('guard', 'log', '--json').stdout) as Array<{
      rule: string;
      sessionId: string;
    }>;
    assert.deepEqual(
      rows.slice(0, 2).map((row) => row.rule),
      ['clean-force', 'reset-hard'],
    );
    assert.equal(rows[0]?.sessionId, 's-log');
    assert.match(factory('guard', 'log').stdout, /deny\s+clean-force\s+Bash\s+git clean -fdx/);
  });

  it('allow: a reason is required; human-only rules need a terminal; other rules are granted and recorded', () => {
    assert.equal(factory('guard', 'allow', '--rule', 'reset-hard', '--reason', '').status, 2);
    assert.equal(factory('guard', 'allow', '--rule', 'no-such-rule', '--reason', 'because').status, 2);
    const secret = factory('guard', 'allow', '--rule', 'secret-files', '--reason', 'I need it');
    assert.equal(secret.status, 1);
    assert.match(secret.stderr, /only a human at a terminal/);
    const granted = factory('guard', 'allow', '--rule', 'reset-hard', '--reason', 'reset the demo', '--json');
    assert.equal(granted.status, 0, granted.stderr);
    const allowance = JSON.parse(granted.stdout);
    assert.equal(allowance.reason, 'reset the demo');
    assert.equal(allowance.usesLeft, 1);
  });
});
