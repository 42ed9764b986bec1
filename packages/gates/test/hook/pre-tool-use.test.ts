import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stateDbPath } from '@factory/core/paths';
import { StateStore } from '@factory/core/state/store';
import { grantGuardAllowance, listGuardDecisions } from '@factory/gates/state/guard-decisions';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** `factory hook pre-tool-use` through the built bin, as Claude Code runs it, in real repositories. */

function payload(repo: TempRepo, tool: string, input: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    session_id: 'sess-1',
    transcript_path: join(repo.home, 't.jsonl'),
    cwd: repo.dir,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: 'toolu_1',
    ...extra,
  });
}

function hook(repo: TempRepo, input: string, event = 'pre-tool-use') {
  return runFactory(['hook', event], { cwd: repo.dir, env: repo.env, input });
}

function decisionOf(stdout: string): { decision: string; reason: string } | undefined {
  if (stdout.trim() === '') return undefined;
  const parsed = JSON.parse(stdout) as {
    hookSpecificOutput: {
      hookEventName: string;
      permissionDecision: string;
      permissionDecisionReason: string;
    };
  };
  assert.equal(parsed.hookSpecificOutput.hookEventName, 'PreToolUse');
  return {
    decision: parsed.hookSpecificOutput.permissionDecision,
    reason: parsed.hookSpecificOutput.permissionDecisionReason,
  };
}

function decisions(repo: TempRepo) {
  const store = StateStore.open({ path: stateDbPath(repo.dir) });
  try {
    return listGuardDecisions(store);
  } finally {
    store.close();
  }
}

describe('factory hook pre-tool-use: malformed and hostile input is blocked with a clear reason', () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
  });
  after(() => repo.cleanup());

  const cases: Array<[string, string, RegExp]> = [
    ['empty stdin', '', /no input on stdin/],
    ['whitespace only', '  \n\t ', /no input on stdin/],
    ['not JSON', 'git push --force', /not valid JSON/],
    ['truncated JSON', '{"tool_name": "Bash", "tool_input": {"command": "ls"', /not valid JSON/],
    ['a JSON array', '[1, 2]', /expected a JSON object/],
    ['a JSON string', '"Bash"', /expected a JSON object/],
    ['null', 'null', /expected a JSON object/],
    ['tool_name missing', '{"tool_input": {"command": "ls"}}', /tool_name must be a non-empty string/],
    ['tool_name a number', '{"tool_name": 7, "tool_input": {"command": "ls"}}', /tool_name must be/],
    [
      'tool_input a string',
      '{"tool_name": "Bash", "tool_input": "rm -rf /"}',
      /tool_input must be a JSON object/,
    ],
    [
      'tool_input an array',
      '{"tool_name": "Bash", "tool_input": ["ls"]}',
      /tool_input must be a JSON object/,
    ],
    [
      'Bash command a number',
      '{"tool_name": "Bash", "tool_input": {"command": 5}}',
      /command must be a string/,
    ],
    ['Bash command missing', '{"tool_name": "Bash", "tool_input": {}}', /command must be a string/],
    [
      'Edit file_path an object',
      '{"tool_name": "Edit", "tool_input": {"file_path": {}}}',
      /file_path must be a string/,
    ],
    [
      'MultiEdit edits not an array',
      '{"tool_name": "MultiEdit", "tool_input": {"file_path": "/x", "edits": "x"}}',
      /edits must be an array/,
    ],
    ['binary garbage', '\u0000\u0001\u00ff{{{', /not valid JSON/],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}: denied, exit 0 with Claude Code's JSON, no stack trace`, () => {
      const result = hook(repo, input);
      assert.equal(result.status, 0);
      const answer = decisionOf(result.stdout);
      assert.equal(answer?.decision, 'deny');
      assert.match(answer!.reason, expected);
      assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /);
    });
  }

  it('a huge input (over 16 MiB) is refused without being parsed', () => {
    const huge = `{"tool_name":"Bash","tool_input":{"command":"${'a'.repeat(17 * 1024 * 1024)}"}}`;
    const result = hook(repo, huge);
    assert.equal(result.status, 0);
    assert.match(decisionOf(result.stdout)!.reason, /over the 16777216-byte limit/);
  });

  it('a deeply nested command is refused or asked, never crashes', () => {
    let deep = 'ls';
    for (let i = 0; i < 10; i++) deep = `bash -c '${deep.replaceAll("'", "'\\''")}'`;
    const result = hook(repo, payload(repo, 'Bash', { command: deep }));
    assert.equal(result.status, 0);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.ok(['ask', 'deny'].includes(decisionOf(result.stdout)?.decision ?? 'allow'));
  });

  it('an unknown event exits 2 (blocks) with one sentence', () => {
    const result = hook(repo, '{}', 'pre-tool-usage');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown hook event "pre-tool-usage"/);
  });

  it('malformed input for other events exits 2 with the reason', () => {
    for (const event of ['post-tool-use', 'stop']) {
      const result = hook(repo, 'not json', event);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /not valid JSON/);
    }
  });
});

describe('factory hook pre-tool-use: decisions, audit, config', () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo({
      branch: 'feature/x',
      files: { 'src/a.ts': 'export {};\n', '.husky/pre-commit': 'x\n' },
    });
  });
  after(() => repo.cleanup());

  it('an everyday command gets no opinion (Claude Code decides as usual) and is not recorded', () => {
    const result = hook(repo, payload(repo, 'Bash', { command: 'git status && npm test' }));
    assert.equal(result.status, 0);
    assert.equal(result.stdout, '');
    assert.equal(existsSync(stateDbPath(repo.dir)), false);
  });

  it('a refusal names the rule and the alternative and is recorded with secrets redacted', () => {
    const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
    const result = hook(repo, payload(repo, 'Bash', { command: `GH_TOKEN=${token} git push --force` }));
    const answer = decisionOf(result.stdout)!;
    assert.equal(answer.decision, 'deny');
    assert.match(answer.reason, /rule (force-push|secret-content)/);
    assert.match(answer.reason, /Instead: /);
    const [row] = decisions(repo);
    assert.equal(row?.sessionId, 'sess-1');
    assert.equal(row?.tool, 'Bash');
    assert.equal(row?.decision, 'deny');
    assert.ok(row?.rule);
    assert.doesNotMatch(row!.inputSummary, /ghp_/);
    assert.match(row!.inputSummary, /\[REDACTED\]/);
  });

  it('a command it cannot follow is denied by default (fail closed)', () => {
    const answer = decisionOf(hook(repo, payload(repo, 'Bash', { command: '$RUNNER --fix' })).stdout)!;
    assert.equal(answer.decision, 'deny');
    assert.match(answer.reason, /rule unanalysable/);
  });

  it('an ask is answered as ask and recorded (guard.unanalysable: ask)', () => {
    repo.write('factory.config.json', JSON.stringify({ guard: { unanalysable: 'ask' } }));
    try {
      const answer = decisionOf(hook(repo, payload(repo, 'Bash', { command: '$RUNNER --fix' })).stdout)!;
      assert.equal(answer.decision, 'ask');
      assert.equal(decisions(repo)[0]?.decision, 'ask');
    } finally {
      rmSync(repo.path('factory.config.json'));
    }
  });

  it('Edit of a protected file is denied', () => {
    const input = { file_path: repo.path('.husky/pre-commit'), old_string: 'x', new_string: 'exit 0' };
    const answer = decisionOf(hook(repo, payload(repo, 'Edit', input)).stdout)!;
    assert.equal(answer.decision, 'deny');
    assert.match(answer.reason, /rule protected-files/);
  });

  it('a one-off allowance of a human lets exactly one matching refusal through, and it is recorded', () => {
    const store = StateStore.open({ path: stateDbPath(repo.dir) });
    try {
      grantGuardAllowance(store, {
        rule: 'reset-hard',
        pattern: 'reset --hard HEAD~1',
        reason: 'throwing away a botched experiment',
        grantedBy: 'test',
        ttlSeconds: 600,
        uses: 1,
      });
    } finally {
      store.close();
    }
    const call = payload(repo, 'Bash', { command: 'git reset --hard HEAD~1' });
    assert.equal(hook(repo, call).stdout, '');
    assert.equal(decisionOf(hook(repo, call).stdout)?.decision, 'deny');
    const [second, first] = decisions(repo);
    assert.equal(first?.allowanceId !== null, true);
    assert.equal(second?.allowanceId, null);
    assert.equal(
      decisionOf(hook(repo, payload(repo, 'Bash', { command: 'git reset --hard' })).stdout)?.decision,
      'deny',
    );
  });

  it('the CLI refuses an allowance for a gate-skip rule without a terminal (the agent cannot grant it)', () => {
    const result = runFactory(['guard', 'allow', '--rule', 'no-verify', '--reason', 'please'], {
      cwd: repo.dir,
      env: repo.env,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /only a human at a terminal/);
    const viaAgent = decisionOf(
      hook(repo, payload(repo, 'Bash', { command: 'factory guard allow --rule no-verify --reason x' }))
        .stdout,
    );
    assert.equal(viaAgent?.decision, 'deny');
    assert.match(viaAgent!.reason, /rule self-exception/);
  });

  it('a rule disabled in config lets the call through and the call is recorded with the reason', () => {
    repo.write(
      'factory.config.json',
      JSON.stringify({
        guard: { disable: [{ rule: 'branch-force-delete', reason: 'we prune branches by hand' }] },
      }),
    );
    try {
      assert.equal(hook(repo, payload(repo, 'Bash', { command: 'git branch -D old' })).stdout, '');
      const [row] = decisions(repo);
      assert.equal(row?.rule, 'branch-force-delete');
      assert.match(row?.note ?? '', /we prune branches by hand/);
    } finally {
      repo.write('factory.config.json', '{}\n');
    }
  });

  it('audit: all records allowed calls too', () => {
    repo.write('factory.config.json', JSON.stringify({ guard: { audit: 'all' } }));
    try {
      assert.equal(hook(repo, payload(repo, 'Bash', { command: 'ls -la' })).stdout, '');
      assert.equal(decisions(repo)[0]?.inputSummary, 'ls -la');
      assert.equal(decisions(repo)[0]?.decision, 'allow');
    } finally {
      repo.write('factory.config.json', '{}\n');
    }
  });

  it('an invalid guard config blocks every call with the file, the path and what was expected', () => {
    repo.write('factory.config.json', JSON.stringify({ guard: { unanalysable: 'maybe', onError: 'allow' } }));
    try {
      const answer = decisionOf(hook(repo, payload(repo, 'Bash', { command: 'ls' })).stdout)!;
      assert.equal(answer.decision, 'deny');
      assert.match(answer.reason, /factory\.config\.json/);
      assert.match(answer.reason, /guard\.unanalysable must be one of "allow", "ask", "deny"/);
    } finally {
      repo.write('factory.config.json', '{}\n');
    }
  });

  it('guard.onError "allow" lets a call it cannot check through, saying so on stderr', () => {
    repo.write('factory.config.json', JSON.stringify({ guard: { onError: 'allow' } }));
    try {
      const result = hook(repo, 'not json');
      assert.equal(result.status, 0);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /onError is "allow"/);
      const typed = hook(repo, '{"tool_name": "Bash", "tool_input": {"command": 5}}');
      assert.equal(typed.stdout, '');
    } finally {
      repo.write('factory.config.json', '{}\n');
    }
  });
});
