import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSession } from '@factory/agent/transcript/parse';

import { streamJson, transcriptJsonl } from './sample-sessions.ts';

describe('parseSession: stream-json', () => {
  const session = parseSession(streamJson);

  it('reads the init line, the tool calls in order and the final result', () => {
    assert.equal(session.format, 'stream-json');
    assert.equal(session.claudeCodeVersion, '2.1.330');
    assert.equal(session.model, 'claude-x');
    assert.deepEqual(
      session.toolCalls.map((c) => [c.index, c.name]),
      [
        [0, 'Bash'],
        [1, 'Bash'],
        [2, 'Write'],
        [3, 'Bash'],
      ],
    );
    assert.equal(session.turns, 4); // the result's num_turns
    assert.equal(session.result?.costUsd, 0.0123);
    assert.deepEqual(session.assistantTexts, ['Looking around.']);
  });

  it('attaches results and tells a hook refusal from a refusal by Claude Code itself', () => {
    const [status, commit, write, ask] = session.toolCalls;
    assert.equal(status?.result?.content, ' M a.ts');
    assert.equal(status?.refusal, undefined);
    assert.deepEqual([commit?.refusal?.source, commit?.refusal?.byHook], ['hook', true]);
    assert.match(commit?.refusal?.reason ?? '', /^factory guard refused \[no-verify\]/);
    assert.deepEqual(
      [write?.refusal?.source, write?.refusal?.kind, write?.refusal?.byHook],
      ['config', 'user-rejected', false],
    );
    // A hook's "ask" that nobody could confirm is still the hook's refusal.
    assert.deepEqual([ask?.refusal?.source, ask?.refusal?.byHook], ['config', true]);
    assert.match(ask?.refusal?.reason ?? '', /rule unanalysable/);
  });

  it('reads the older permission metadata shape too', () => {
    const legacy = parseSession(
      [
        {
          type: 'assistant',
          session_id: 'x',
          message: { id: 'm', content: [{ type: 'tool_use', id: 't', name: 'Bash', input: {} }] },
        },
        {
          type: 'user',
          session_id: 'x',
          message: { content: [{ type: 'tool_result', tool_use_id: 't', is_error: true, content: 'no' }] },
          tool_result_meta: [{ tool_use_id: 't', permission_decision: { behavior: 'deny', source: 'hook' } }],
        },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    assert.deepEqual(legacy.toolCalls[0]?.refusal, { source: 'hook', byHook: true, reason: 'no' });
  });

  it('tolerates line types it does not know and counts them', () => {
    assert.equal(session.unknownLines, 1); // rate_limit_event
    assert.equal(session.malformedLines, 0);
  });
});

describe('parseSession: transcript JSONL', () => {
  const session = parseSession(transcriptJsonl);

  it('reads tool calls once even when a block is replayed, and joins block results', () => {
    assert.equal(session.format, 'transcript');
    assert.equal(session.toolCalls.length, 1);
    assert.equal(session.toolCalls[0]?.input.command, 'npm test');
    assert.equal(session.toolCalls[0]?.result?.content, 'ok 1');
    assert.equal(session.turns, 1); // one assistant message split over lines
    assert.equal(session.sessionId, 's2');
    assert.equal(session.cwd, '/w');
  });

  it('skips unknown and truncated lines without failing', () => {
    assert.equal(session.unknownLines, 1);
    assert.equal(session.malformedLines, 1);
  });

  it('never throws on garbage', () => {
    const garbage = parseSession(
      'not json\n[1,2]\n{"type":"assistant","message":{"content":"plain text"}}\n42\n',
    );
    assert.equal(garbage.toolCalls.length, 0);
    assert.equal(garbage.malformedLines, 3);
    assert.deepEqual(garbage.assistantTexts, ['plain text']);
  });
});
