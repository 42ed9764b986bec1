import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, makeTempRepo } from '@factory/testkit';
import { RequestPacer } from '../../src/forge/pacer.js';
import { addRepository, loadManifest, removeRepository } from '../../src/manifest/manifest.js';
import { originUrl, parseRemote } from '../../src/sweep/git.js';

describe('manifest', () => {
  it('keeps comments when adding and removing, applies defaults, resolves paths', () => {
    const tmp = makeTempDir();
    try {
      const file = join(tmp.dir, 'repos.yaml');
      writeFileSync(
        file,
        '# my fleet\nversion: 1\ndefaults:\n  tags: [all]\n  forge: gitlab\nrepositories: []\n',
      );
      assert.equal(addRepository(file, { path: join(tmp.dir, 'a'), tags: ['x'] }, {}), true);
      assert.equal(addRepository(file, { path: join(tmp.dir, 'a') }, {}), false);
      assert.equal(addRepository(file, { path: join(tmp.dir, 'b') }, {}), true);
      assert.match(readFileSync(file, 'utf8'), /^# my fleet/);
      const manifest = loadManifest(file, {});
      assert.deepEqual(
        manifest.repositories.map((r) => [r.name, r.forge, r.tags]),
        [
          ['a', 'gitlab', ['all', 'x']],
          ['b', 'gitlab', ['all']],
        ],
      );
      assert.equal(removeRepository(file, join(tmp.dir, 'a'), {}), true);
      assert.equal(removeRepository(file, join(tmp.dir, 'a'), {}), false);
      assert.deepEqual(
        loadManifest(file, {}).repositories.map((r) => r.name),
        ['b'],
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('names the line and what was expected for bad YAML and schema errors, ~ expands to HOME', () => {
    const tmp = makeTempDir();
    try {
      const file = join(tmp.dir, 'repos.yaml');
      const cases: Array<[string, RegExp]> = [
        ['repositories:\n  - path: /a\n  - path: [unclosed\n', /line \d+: .+; fix the YAML there/],
        ['repositories:\n  - path: /a\n    tags: oops\n', /line 3: repositories\[0\]\.tags must be array/],
        [
          'repositories:\n  - path: /a\n    review:\n      maxChangedLines: -1\n',
          /line 4: .*maxChangedLines must be >= 0/,
        ],
        ['repositorys: []\n', /line 1: the manifest has an unknown key "repositorys"/],
      ];
      for (const [text, expected] of cases) {
        writeFileSync(file, text);
        assert.throws(() => loadManifest(file, {}), expected);
      }
      writeFileSync(file, 'repositories:\n  - path: ~/src/app\n');
      assert.equal(loadManifest(file, { HOME: '/home/me' }).repositories[0]!.path, '/home/me/src/app');
    } finally {
      tmp.cleanup();
    }
  });
});

describe('forge pacing', () => {
  it('spaces modifying calls and reads Retry-After, dates and secondary limits', async () => {
    const pacer = new RequestPacer({ writeSpacingMs: 120 });
    // Three slow modifying calls at once: one at a time, each starting at least 120 ms after the last ended.
    const spans: Array<{ start: number; end: number }> = [];
    const slowCall = async () => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 50));
      spans.push({ start, end: Date.now() });
    };
    await Promise.all([1, 2, 3].map(() => pacer.write(slowCall)));
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i]!.start - spans[i - 1]!.end >= 110, JSON.stringify(spans));
    }
    // A failing call still counts: the next one waits after it too.
    await assert.rejects(
      pacer.write(() => Promise.reject(new Error('boom'))),
      /boom/,
    );
    const afterFailure = Date.now();
    await pacer.write(async () => assert.ok(Date.now() - afterFailure >= 110));
    assert.equal(pacer.rateLimitWaitMs(429, { 'retry-after': '3' }, ''), 3000);
    const date = new Date(Date.now() + 5000).toUTCString();
    const fromDate = pacer.rateLimitWaitMs(429, { 'retry-after': date }, '')!;
    assert.ok(fromDate > 3000 && fromDate <= 5000, String(fromDate));
    assert.equal(pacer.rateLimitWaitMs(403, {}, 'You have exceeded a secondary rate limit'), 60_000);
    assert.equal(pacer.rateLimitWaitMs(403, {}, 'Resource not accessible by integration'), undefined);
    assert.equal(pacer.rateLimitWaitMs(500, { 'retry-after': '1' }, ''), undefined);
    await assert.rejects(new RequestPacer({ maxWaitMs: 1000 }).waitOut('GitHub', 5000), /asks to wait 5 s/);
  });
});

describe('remote inference', () => {
  it('tells the forge and project from common remote URLs', () => {
    assert.deepEqual(parseRemote('git@github.com:acme/app.git'), { forge: 'github', project: 'acme/app' });
    assert.deepEqual(parseRemote('https://gitlab.com/group/sub/app.git'), {
      forge: 'gitlab',
      project: 'group/sub/app',
    });
    assert.deepEqual(
      parseRemote('ssh://git@git.corp.example/acme/app', { gitlab: 'https://git.corp.example' }),
      {
        forge: 'gitlab',
        project: 'acme/app',
      },
    );
    assert.deepEqual(parseRemote('/srv/git/app.git'), { forge: undefined, project: undefined });
  });

  it('reads origin from the git config of a clone and of a worktree, without git', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      assert.equal(originUrl(repo.dir), undefined);
      repo.git('remote', 'add', 'upstream', 'git@github.com:other/x.git');
      repo.git('remote', 'add', 'origin', 'git@github.com:acme/app.git');
      assert.equal(originUrl(repo.dir), 'git@github.com:acme/app.git');
      const tree = join(repo.home, 'tree');
      repo.git('worktree', 'add', '--quiet', '-b', 'side', tree);
      assert.equal(originUrl(tree), 'git@github.com:acme/app.git');
    } finally {
      repo.cleanup();
    }
  });
});
