import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { readRepoContext } from '@factory/gates/install/repo';
import { makeTempRepo } from '@factory/testkit';

/** What `git config --get KEY` says, the way init and doctor asked before (one process per key). */
function gitConfigGet(cwd: string, key: string): string | undefined {
  const out = spawnSync('git', ['config', '--get', key], { cwd, encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

describe('readRepoContext', () => {
  it('answers every key as `git config --get` does, from one read of the config', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# r\n' } });
    try {
      const config = join(repo.dir, '.git', 'config');
      // Repeated keys (the last wins), case-insensitive names, case-sensitive subsections, a key with no
      // value, quoted values with spaces and an escaped newline, and an included file.
      mkdirSync(join(repo.dir, '.git', 'extra'));
      const included = join(repo.dir, '.git', 'extra', 'included.cfg');
      appendFileSync(included, '[factory]\n\tnode = /from/include\n');
      appendFileSync(
        config,
        [
          '[core]',
          '\thooksPath = first',
          '\tHooksPath = .husky/_',
          '[Factory]',
          '\tMode = team',
          '\tbin = "  /opt/factory bin.js  "',
          '\tnote = "one\\ntwo"',
          '\tflag',
          '[remote "Origin"]',
          '\turl = /upper',
          '[remote "origin"]',
          '\turl = /lower',
          '[include]',
          `\tpath = ${included}`,
          '',
        ].join('\n'),
      );
      const keys = [
        'core.hooksPath',
        'core.hookspath',
        'CORE.HOOKSPATH',
        'factory.mode',
        'factory.bin',
        'factory.note',
        'factory.flag',
        'factory.node',
        'factory.chainedHooksPath',
        'remote.Origin.url',
        'remote.origin.url',
        'remote.ORIGIN.url',
        'user.email',
      ];
      const context = await readRepoContext(join(repo.dir));
      for (const key of keys) {
        assert.equal(context.config.get(key), gitConfigGet(repo.dir, key), key);
      }
      assert.equal(context.config.get('factory.node'), '/from/include');
      assert.equal(context.config.get('factory.chainedHooksPath'), undefined);

      // The layout, from a subfolder as from the top.
      mkdirSync(join(repo.dir, 'a', 'b'), { recursive: true });
      const deep = await readRepoContext(join(repo.dir, 'a', 'b'));
      assert.deepEqual(deep.layout, {
        root: repo.dir,
        commonDir: join(repo.dir, '.git'),
        gitDir: join(repo.dir, '.git'),
      });
      assert.equal(deep.config.get('factory.mode'), 'team');
    } finally {
      repo.cleanup();
    }
  });

  it('finds the same layout as git rev-parse, with or without asking git', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# r\n' } });
    try {
      const byGit = (cwd: string) => {
        const out = spawnSync(
          'git',
          ['rev-parse', '--show-toplevel', '--git-common-dir', '--absolute-git-dir'],
          { cwd, encoding: 'utf8' },
        );
        const [root = '', common = '', gitDir = ''] = out.stdout.trim().split('\n');
        return { root, commonDir: isAbsolute(common) ? common : resolve(cwd, common), gitDir };
      };
      // The top of a clone, the same through a symbolic link, a subfolder, a linked worktree, and a
      // clone whose config moves its work tree elsewhere.
      const linked = join(repo.home, 'linked');
      symlinkSync(repo.dir, linked);
      mkdirSync(join(repo.dir, 'sub'));
      const worktree = join(repo.home, 'wt');
      repo.git('worktree', 'add', '--quiet', '-b', 'side', worktree);
      const moved = join(repo.home, 'moved');
      mkdirSync(join(moved, 'elsewhere'), { recursive: true });
      spawnSync('git', ['init', '--quiet', moved]);
      spawnSync('git', ['config', 'core.worktree', join(moved, 'elsewhere')], { cwd: moved });
      for (const cwd of [repo.dir, linked, join(repo.dir, 'sub'), worktree, moved]) {
        assert.deepEqual((await readRepoContext(cwd)).layout, byGit(cwd), cwd);
      }
    } finally {
      repo.cleanup();
    }
  });

  it('refuses a folder outside any repository with the usual sentence', async () => {
    const repo = makeTempRepo();
    try {
      const outside = join(repo.home, 'not-a-repo');
      mkdirSync(outside);
      await assert.rejects(readRepoContext(outside), /not.*repository|repository/i);
    } finally {
      repo.cleanup();
    }
  });
});
