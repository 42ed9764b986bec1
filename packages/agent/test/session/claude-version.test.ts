import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeBin, makeTempDir } from '@factory/testkit';
import { checkClaude, MIN_CLAUDE_VERSION } from '../../src/session/claude-version.js';

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
