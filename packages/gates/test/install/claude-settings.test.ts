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

describe('mergeSettings: permission rules and the sandbox', () => {
  const owned = {
    deny: ['Edit(./.husky/**)', 'Read(**/.env)'],
    sandbox: { denyWrite: ['./.husky'], denyRead: ['./.env'], allowedDomains: ['registry.npmjs.org'] },
  };

  it('adds factory’s rules and sandbox beside the user’s, and a second merge gives the same bytes', () => {
    const settings = {
      permissions: { allow: ['Bash(npm test)'], deny: ['Read(./secrets/**)'] },
      sandbox: { excludedCommands: ['docker'], network: { allowedDomains: ['internal.example.com'] } },
    };
    const once = mergeSettings(settings, guardHookEntries(options), owned);
    const twice = mergeSettings(once, guardHookEntries(options), owned, owned);
    assert.equal(JSON.stringify(twice), JSON.stringify(once));
    assert.deepEqual(once.permissions, {
      allow: ['Bash(npm test)'],
      deny: ['Read(./secrets/**)', 'Edit(./.husky/**)', 'Read(**/.env)'],
    });
    assert.deepEqual(once.sandbox, {
      excludedCommands: ['docker'],
      network: { allowedDomains: ['internal.example.com', 'registry.npmjs.org'] },
      enabled: true,
      failIfUnavailable: true,
      allowUnsandboxedCommands: false,
      filesystem: { denyWrite: ['./.husky'], denyRead: ['./.env'] },
    });
  });

  it('drops the values an earlier init wrote that the current one does not, never the user’s', () => {
    const first = mergeSettings({ sandbox: { network: { allowedDomains: ['mine.example'] } } }, {}, owned);
    const next = { ...owned, sandbox: { ...owned.sandbox, allowedDomains: ['pypi.org'] } };
    const merged = mergeSettings(first, {}, next, owned) as { sandbox: { network: unknown } };
    assert.deepEqual(merged.sandbox.network, { allowedDomains: ['mine.example', 'pypi.org'] });
  });

  it('removes every value factory owns when its entries go, keeping the user’s', () => {
    const settings = mergeSettings(
      { permissions: { allow: ['Bash(ls)'] }, sandbox: { excludedCommands: ['docker'] } },
      guardHookEntries(options),
      owned,
    );
    assert.deepEqual(mergeSettings(settings, undefined, undefined, owned), {
      permissions: { allow: ['Bash(ls)'] },
      sandbox: { excludedCommands: ['docker'] },
    });
  });

  it('every PreToolUse entry sees every tool, MCP tools included, and blocks when the hook fails', () => {
    const [group] = guardHookEntries(options).PreToolUse!;
    const matcher = new RegExp(group!.matcher!);
    for (const tool of [
      'Bash',
      'PowerShell',
      'Read',
      'Edit',
      'Write',
      'MultiEdit',
      'NotebookEdit',
      'Grep',
      'Glob',
    ])
      assert.ok(matcher.test(tool), tool);
    for (const tool of ['WebFetch', 'WebSearch', 'Agent', 'Task', 'mcp__github__push_files'])
      assert.ok(matcher.test(tool), tool);
    // Anchored: Claude Code reads such a matcher as an unanchored regular expression.
    assert.equal(matcher.test('ReadSomethingElse'), false);
    for (const groups of Object.values(guardHookEntries(options)))
      for (const entry of groups) for (const hook of entry.hooks) assert.equal(hook.onFailure, 'block');
  });
});
