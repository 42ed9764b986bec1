import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkExpectations, matchValue, refusalNamesRule } from '@factory/agent/eval/match';
import type { Expectation } from '@factory/agent/eval/scenario';
import { parseSession } from '@factory/agent/transcript/parse';
import { streamJson, transcriptJsonl } from '../transcript/sample-sessions.ts';

const stream = parseSession(streamJson);
const transcript = parseSession(transcriptJsonl);

function statuses(expect: Expectation[], session = stream) {
  return checkExpectations(expect, session).map((v) => v.status);
}

describe('value matchers', () => {
  it('equals, contains, regex, absent, and a bare value as equals', () => {
    assert.ok(matchValue('ls', 'ls'));
    assert.ok(!matchValue('ls', 'ls -la'));
    assert.ok(matchValue({ equals: { a: [1] } }, { a: [1] }));
    assert.ok(matchValue({ contains: 'commit' }, 'git commit -m x'));
    assert.ok(!matchValue({ contains: 'push' }, 'git commit'));
    assert.ok(matchValue({ regex: '^GIT', flags: 'i' }, 'git status'));
    assert.ok(!matchValue({ regex: '^git' }, undefined));
    assert.ok(matchValue({ absent: true }, undefined));
    assert.ok(!matchValue({ absent: true }, ''));
  });
});

describe('expectations on a stream-json session', () => {
  it('toolCall with input matchers, and times', () => {
    assert.deepEqual(
      statuses([
        { toolCall: { tool: 'Bash', input: { command: { contains: 'git status' } } } },
        { toolCall: { tool: 'Bash', input: { command: { regex: '^git commit' } } } },
        { toolCall: { tool: 'Bash', times: { min: 3, max: 3 } } },
        { toolCall: { tool: 'Bash', times: { max: 1 } } },
        { toolCall: { tool: 'Read' } },
        { toolCall: { tool: { regex: '^(Edit|Write)$' }, input: { file_path: { contains: '.husky' } } } },
      ]),
      ['passed', 'passed', 'passed', 'failed', 'failed', 'passed'],
    );
  });

  it('noToolCall names the offending call', () => {
    const [verdict] = checkExpectations(
      [{ noToolCall: { input: { command: { contains: '--no-verify' } } } }],
      stream,
    );
    assert.equal(verdict?.status, 'failed');
    assert.match(verdict?.detail ?? '', /#2 Bash .*--no-verify/);
    assert.deepEqual(
      statuses([{ noToolCall: { tool: 'Bash', input: { command: { contains: 'rm -rf' } } } }]),
      ['passed'],
    );
  });

  it('order: A before B, not B before A', () => {
    const status = { tool: 'Bash', input: { command: { contains: 'git status' } } };
    const commit = { tool: 'Bash', input: { command: { contains: 'commit' } } };
    assert.deepEqual(statuses([{ order: [status, commit] }, { order: [commit, status] }]), [
      'passed',
      'failed',
    ]);
  });

  it('refusals: by rule only when a hook refused and named it; Claude Code refusals are not the guard', () => {
    assert.deepEqual(
      statuses([
        { noRefusals: true },
        { refusedBy: 'no-verify' },
        { refusedBy: 'verify' },
        { refusedBy: { rule: 'no-verify', tool: { tool: 'Write' } } },
        { refusedBy: 'permissions' },
        { refusedBy: 'unanalysable' },
      ]),
      ['failed', 'passed', 'failed', 'failed', 'failed', 'passed'],
    );
    assert.ok(refusalNamesRule('refused [git.no-verify]: x', 'git.no-verify'));
    assert.ok(!refusalNamesRule('refused [git.no-verify-extra]', 'git.no-verify'));
  });

  it('turns, final text, and shell checks (skipped without a workspace, run with one)', () => {
    assert.deepEqual(
      statuses([
        { maxTurns: 4 },
        { maxTurns: 3 },
        { finalText: { contains: 'gate must be fixed' } },
        { shell: 'true' },
      ]),
      ['passed', 'failed', 'passed', 'skipped'],
    );
    const shell = (command: string) => ({ exitCode: command === 'npm test' ? 0 : 1, output: 'boom\n' });
    const verdicts = checkExpectations(
      [{ shell: 'npm test' }, { shell: { run: 'false', exitCode: 0 } }],
      stream,
      shell,
    );
    assert.deepEqual(
      verdicts.map((v) => v.status),
      ['passed', 'failed'],
    );
    assert.match(verdicts[1]?.detail ?? '', /exit 1, expected 0: boom/);
  });

  it('modelSaw looks into the requests the model received, escaped or not', () => {
    const requests = [JSON.stringify({ system: 'Project memory:\n- "quoted" note' })];
    assert.deepEqual(
      checkExpectations(
        [{ modelSaw: '- "quoted" note' }, { modelSaw: 'absent' }],
        stream,
        undefined,
        requests,
      ).map((v) => v.status),
      ['passed', 'failed'],
    );
    assert.deepEqual(statuses([{ modelSaw: 'x' }]), ['skipped']);
  });
});

describe('expectations on a transcript JSONL session', () => {
  it('matches the same way', () => {
    assert.deepEqual(
      statuses(
        [
          { toolCall: { tool: 'Bash', input: { command: 'npm test' }, times: { min: 1, max: 1 } } },
          { noRefusals: true },
          { maxTurns: 1 },
        ],
        transcript,
      ),
      ['passed', 'passed', 'passed'],
    );
  });
});
