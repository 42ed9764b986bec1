import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardHookEntries, hookCommand } from '../../src/guard/hook-entries.js';
import { mergeSettings } from '../../src/install/claude-settings.js';

const options = { nodePath: '/usr/bin/node', binPath: '/opt/factory/bin.js' };

describe('mergeSettings', () => {
  it('replaces every factory entry of an older install, also in events it no longer uses, and keeps the user’s', () => {
    const oldFactoryEntry = { type: 'command', command: hookCommand('post-tool-use', options), timeout: 30 };
    const userEntry = { type: 'command', command: 'echo formatted', timeout: 5 };
    const settings = {
      model: 'opus',
      hooks: {
        PostToolUse: [
          { matcher: 'Edit', hooks: [userEntry] },
          { matcher: 'Bash', hooks: [oldFactoryEntry] },
        ],
      },
    };
    const merged = mergeSettings(settings, guardHookEntries(options)) as {
      model: string;
      hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
    };
    assert.equal(merged.model, 'opus');
    assert.deepEqual(merged.hooks.PostToolUse, [{ matcher: 'Edit', hooks: [userEntry] }]);
    assert.match(merged.hooks.PreToolUse![0]!.hooks[0]!.command, /hook pre-tool-use/);
    assert.deepEqual(Object.keys(merged.hooks).sort(), [
      'PostToolUse',
      'PreToolUse',
      'SessionStart',
      'Stop',
      'UserPromptSubmit',
    ]);
  });

  it('removes factory entirely when no entries are given, leaving the user’s hooks', () => {
    const settings = { hooks: guardHookEntries(options) };
    assert.deepEqual(mergeSettings(settings, undefined), {});
  });
});
