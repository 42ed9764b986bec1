import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSession } from '@factory/agent/transcript/parse';
import { sandboxStartFailure } from '../../src/loop/sandbox-failures.js';

/** Two Bash calls of a stream-json session, as Claude Code 2.1.330 wrote them (the CI failure's, shortened). */
function stream(first: { content: string; isError: boolean }): string {
  const call = (id: string, command: string) => ({
    type: 'assistant',
    message: { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command } }] },
  });
  const result = (id: string, content: string, isError: boolean) => ({
    type: 'user',
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }],
    },
  });
  return [
    call('toolu_1', "printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span here'"),
    result('toolu_1', first.content, first.isError),
    call('toolu_2', 'cd ../gamma && git commit -q -m there'),
    result('toolu_2', '(Bash completed with no output)', false),
  ]
    .map((line) => JSON.stringify(line))
    .join('\n');
}

describe('a command the sandbox could not start', () => {
  it("is told by bubblewrap's complaint at the top of the result", () => {
    const session = parseSession(
      stream({
        content:
          "Exit code 1\nbwrap: Can't get type of source /r/gamma/.git/factory-hooks: No such file or directory",
        isError: true,
      }),
    );
    assert.equal(
      sandboxStartFailure(session.toolCalls),
      "bwrap: Can't get type of source /r/gamma/.git/factory-hooks: No such file or directory",
    );
  });

  it('is not a command that ran and failed, nor one whose own output mentions bwrap further down', () => {
    for (const content of [
      'Exit code 1\nerror: pathspec did not match',
      'Exit code 2\nmake: *** [all] Error 1\nbwrap: not the sandbox',
    ])
      assert.equal(
        sandboxStartFailure(parseSession(stream({ content, isError: true })).toolCalls),
        undefined,
      );
    assert.equal(
      sandboxStartFailure(
        parseSession(stream({ content: 'bwrap: printed by the command', isError: false })).toolCalls,
      ),
      undefined,
    );
  });
});
