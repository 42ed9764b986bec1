import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeBin, makeTempDir } from '@factory/testkit';
import {
  checkClaude,
  claudeCodeVersion,
  findClaude,
  MIN_CLAUDE_VERSION,
} from '../../src/install/claude-version.js';

/** One finder of the Claude Code CLI for work, loop, eval run, init and doctor; one version check. */
describe('findClaude', () => {
  it('takes --claude, then FACTORY_CLAUDE, then the deprecated FACTORY_CLAUDE_BIN with one line, then the pinned one, then PATH', () => {
    const dir = makeTempDir();
    try {
      const onPath = join(dir.dir, 'bin');
      mkdirSync(onPath);
      writeFileSync(join(onPath, 'claude'), '#!/bin/sh\necho "2.1.300 (Claude Code)"\n', { mode: 0o755 });
      const warned: string[] = [];
      const warn = (line: string) => warned.push(line);
      const env = { PATH: onPath, FACTORY_CLAUDE: '/opt/new/claude', FACTORY_CLAUDE_BIN: '/opt/old/claude' };
      assert.equal(findClaude({ explicit: '/given/claude', env, warn }), '/given/claude');
      assert.equal(findClaude({ env, warn }), '/opt/new/claude');
      assert.deepEqual(warned, [], 'the new name wins without a word');
      assert.equal(
        findClaude({ env: { PATH: onPath, FACTORY_CLAUDE_BIN: '/opt/old/claude' }, warn }),
        '/opt/old/claude',
      );
      assert.deepEqual(warned, [
        'factory: FACTORY_CLAUDE_BIN is deprecated and will be removed; set FACTORY_CLAUDE to the claude executable instead.',
      ]);
      // This checkout pins Claude Code as a devDependency: found above factory's code, before PATH.
      assert.equal(realpathSync(findClaude({ env: { PATH: onPath } })), realpathSync(claudeBin));
      assert.equal(findClaude({ env: { PATH: onPath }, bundled: false }), join(onPath, 'claude'));
      assert.equal(findClaude({ env: { PATH: join(dir.dir, 'empty') }, bundled: false }), 'claude');
      // init and doctor ask about the Claude Code a person runs: FACTORY_CLAUDE, else PATH.
      assert.equal(claudeCodeVersion({ PATH: onPath }), '2.1.300');
      assert.equal(claudeCodeVersion({ PATH: join(dir.dir, 'empty') }), undefined);
    } finally {
      dir.cleanup();
    }
  });
});

describe('checkClaude', () => {
  it('accepts the pinned Claude Code', async () => {
    const check = await checkClaude(claudeBin);
    assert.equal(check.ok, true, JSON.stringify(check));
  });

  it('names a missing binary, an old one and one that does not say its version', async () => {
    const dir = makeTempDir();
    try {
      assert.deepEqual(await checkClaude(join(dir.dir, 'nope')), {
        ok: false,
        problem: 'missing',
        detail: join(dir.dir, 'nope'),
      });
      const old = join(dir.dir, 'old');
      writeFileSync(old, '#!/bin/sh\necho "2.1.294 (Claude Code)"\n', { mode: 0o755 });
      assert.deepEqual(await checkClaude(old), { ok: false, problem: 'too-old', detail: '2.1.294' });
      const odd = join(dir.dir, 'odd');
      writeFileSync(odd, '#!/bin/sh\necho hello\n', { mode: 0o755 });
      assert.equal((await checkClaude(odd)).ok, false);
      const exact = join(dir.dir, 'exact');
      writeFileSync(exact, `#!/bin/sh\necho "${MIN_CLAUDE_VERSION} (Claude Code)"\n`, { mode: 0o755 });
      assert.equal((await checkClaude(exact)).ok, true);
    } finally {
      dir.cleanup();
    }
  });
});
