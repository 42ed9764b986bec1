import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';

describe('factory repos', () => {
  it('adds, lists and removes repositories in $FACTORY_HOME/repos.yaml', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const home = join(repo.home, 'factory-home');
      const env = { ...repo.env, FACTORY_HOME: home };
      const added = runFactory(['repos', 'add', '.', '--tag', 'work', '--tag', 'ts', '--json'], {
        cwd: repo.dir,
        env,
      });
      assert.equal(added.status, 0, added.stderr);
      assert.deepEqual(JSON.parse(added.stdout), {
        manifest: join(home, 'repos.yaml'),
        path: repo.dir,
        added: true,
      });
      assert.match(runFactory(['repos', 'add', repo.dir], { env }).stdout, /already in the manifest/);
      const list = JSON.parse(runFactory(['repos', 'list', '--json'], { env }).stdout);
      assert.deepEqual(list.repositories[0].tags, ['work', 'ts']);
      assert.match(readFileSync(join(home, 'repos.yaml'), 'utf8'), /^version: 1/);

      const missing = runFactory(['repos', 'add', join(repo.dir, 'nope')], { env });
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /is not a folder/);

      // A folder that is not a repository, or is only part of one, would fail every sweep: refused.
      const plain = join(repo.home, 'not-a-repo');
      mkdirSync(plain);
      const notRepo = runFactory(['repos', 'add', plain], { env });
      assert.equal(notRepo.status, 2);
      assert.equal(
        notRepo.stderr,
        `factory: ${plain} is a folder but not a git repository; pass the top folder of a clone, or run git init there first.\n`,
      );
      mkdirSync(join(repo.dir, 'src'));
      const inside = runFactory(['repos', 'add', join(repo.dir, 'src')], { env });
      assert.equal(inside.status, 2);
      assert.match(inside.stderr, /src is inside the repository .*, not its top folder; pass /);
      assert.deepEqual(
        JSON.parse(runFactory(['repos', 'list', '--json'], { env }).stdout).repositories.length,
        1,
      );

      assert.equal(runFactory(['repos', 'rm', repo.dir], { env }).status, 0);
      const again = runFactory(['repos', 'rm', repo.dir], { env });
      assert.equal(again.status, 2);
      assert.match(again.stderr, /is not in .*repos\.yaml; run factory repos list/);
      assert.deepEqual(JSON.parse(runFactory(['repos', 'list', '--json'], { env }).stdout).repositories, []);
    } finally {
      repo.cleanup();
    }
  });

  it('sweep and review name a manifest that does not exist, and one that lists nothing', () => {
    const repo = makeTempRepo();
    try {
      const missing = join(repo.home, 'nope.yaml');
      for (const command of ['sweep', 'review']) {
        const run = runFactory([command, '--manifest', missing], { env: repo.env });
        assert.equal(run.status, 2);
        assert.equal(
          run.stderr,
          `factory: the manifest ${missing} does not exist; pass an existing file with --manifest FILE, or create it with factory repos add PATH.\n`,
        );
      }
      const empty = repo.write('empty.yaml', 'version: 1\nrepositories: []\n');
      const run = runFactory(['sweep', '--manifest', empty], { env: repo.env });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /lists no repositories; add one with factory repos add PATH/);
    } finally {
      repo.cleanup();
    }
  });
});
