import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toModelScript } from '@factory/agent/eval/lanes';

describe('scripted lane: a scenario script as the model server plays it', () => {
  it('each tool step is a turn; text before a tool is said in that turn; the last text ends the session', () => {
    assert.deepEqual(
      toModelScript([
        { tool: 'Bash', input: { command: 'ls' } },
        { text: 'Found it.' },
        { text: 'Fixing.' },
        { tool: 'Edit', input: { file_path: 'a', old_string: 'x', new_string: 'y' } },
        { text: 'Done.' },
      ]),
      {
        turns: [
          { toolCalls: [{ name: 'Bash', input: { command: 'ls' } }] },
          {
            text: 'Found it.\nFixing.',
            toolCalls: [{ name: 'Edit', input: { file_path: 'a', old_string: 'x', new_string: 'y' } }],
          },
        ],
        finalText: 'Done.',
      },
    );
    assert.deepEqual(toModelScript([{ text: 'Nothing to do.' }]), { turns: [], finalText: 'Nothing to do.' });
  });
});
