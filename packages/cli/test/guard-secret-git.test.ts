import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hookDecision, makeTempRepo, pool, projectRoot, runFactory } from '@factory/testkit';

/**
 * Secrets printed by git (issue #11), through `factory hook pre-tool-use` as Claude Code runs it, in a
 * repository after `factory init` that holds what makes them secrets: a `.env` committed once and still
 * tracked, a stash of a change to it, a stash of an untracked `.env.local`, a remote whose URL carries a
 * token. Every call of packages/gates/test/fixtures/guard-hostile/secret-git.jsonl gets its expected answer.
 */

interface Entry {
  readonly expect: 'deny' | 'allow';
  readonly tool: string;
  readonly command: string;
}

// A token shaped like GitHub's, assembled so that this file holds none.
const token = `ghp_${'Zx9Yw8Vu7Ts6Rq5Po4Nm'}${'3Lk2Ji1Hg0Fe9Dc8'}`;

describe('secrets printed by git, through the hook installed by factory init', () => {
  it('refuses every call that would print the secret and passes those that leave it out', {
    timeout: 300_000,
  }, async () => {
    const repo = makeTempRepo({
      branch: 'feature/secrets',
      files: {
        'README.md': '# s\n',
        'src/a.ts': 'export const a = 1;\n',
        '.env': 'API_KEY=abc\n',
        'package.json': '{"name": "s", "scripts": {"test": "node --test"}}\n',
      },
    });
    try {
      repo.write('src/b.ts', 'export const b = 2;\n');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'b');
      repo.write('.env', 'API_KEY=changed\n');
      repo.git('stash', '-q');
      repo.write('.env.local', 'DB_PASSWORD=x\n');
      repo.write('README.md', '# t\n');
      repo.git('stash', '-q', '-u');
      repo.git('remote', 'add', 'origin', `https://x-access-token:${token}@github.com/o/r.git`);
      repo.git('remote', 'add', 'mirror', 'https://gitlab.com/o/r.git');
      const init = runFactory(['init', '--yes'], { cwd: repo.dir, env: repo.env });
      assert.equal(init.status, 0, init.stderr);
      const entries = readFileSync(
        join(projectRoot, 'packages/gates/test/fixtures/guard-hostile/secret-git.jsonl'),
        'utf8',
      )
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Entry);
      assert.ok(entries.filter((entry) => entry.expect === 'deny').length >= 20);
      const decisions = await pool(entries, 2, (entry) =>
        hookDecision(repo, entry.tool, { command: entry.command }, 'secret-git'),
      );
      const wrong = entries.flatMap((entry, i) =>
        (decisions[i] === 'allow') === (entry.expect === 'allow')
          ? []
          : [`expected ${entry.expect}, got ${decisions[i]}: ${entry.command}`],
      );
      assert.deepEqual(wrong, []);
    } finally {
      repo.cleanup();
    }
  });
});
