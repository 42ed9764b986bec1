import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listSkills, syncSkills } from '@factory/gates/skills/sync';
import { makeTempDir, makeTempRepo } from '@factory/testkit';

/** A private copy of "shipped" skills, so the test can make a new version ship. */
function source(): { dir: string; write(name: string, body: string): void; cleanup(): void } {
  const tmp = makeTempDir();
  const write = (name: string, body: string) => {
    mkdirSync(join(tmp.dir, name), { recursive: true });
    writeFileSync(
      join(tmp.dir, name, 'SKILL.md'),
      `---\nname: ${name}\ndescription: Use when testing.\n---\n${body}\n`,
    );
  };
  write('alpha', 'alpha v1');
  write('beta', 'beta v1');
  return { dir: tmp.dir, write, cleanup: tmp.cleanup };
}

describe('syncSkills', () => {
  it('installs, then updates stale copies, keeps edited ones unless forced, and dry runs write nothing', () => {
    const repo = makeTempRepo();
    const src = source();
    try {
      const installed = (name: string) => repo.read(`.claude/skills/${name}/SKILL.md`);
      const dry = syncSkills({
        repoRoot: repo.dir,
        names: ['alpha', 'beta'],
        sourceDir: src.dir,
        dryRun: true,
      });
      assert.deepEqual(dry.changed, ['alpha', 'beta']);
      assert.equal(existsSync(repo.path('.claude/skills')), false);

      const first = syncSkills({ repoRoot: repo.dir, names: ['alpha', 'beta'], sourceDir: src.dir });
      assert.deepEqual(
        first.skills.map((s) => [s.name, s.state, s.action]),
        [
          ['alpha', 'missing', 'installed'],
          ['beta', 'missing', 'installed'],
        ],
      );
      assert.match(installed('alpha'), /alpha v1/);
      assert.ok(existsSync(repo.path('.claude/skills/.factory-skills.json')));

      // Idempotent: a second run changes nothing, byte for byte.
      const manifest = repo.read('.claude/skills/.factory-skills.json');
      assert.deepEqual(syncSkills({ repoRoot: repo.dir, sourceDir: src.dir }).changed, []);
      assert.equal(repo.read('.claude/skills/.factory-skills.json'), manifest);

      // A new version ships; the user edits beta.
      src.write('alpha', 'alpha v2');
      src.write('beta', 'beta v2');
      writeFileSync(repo.path('.claude/skills/beta/SKILL.md'), `${installed('beta')}my own note\n`);
      assert.deepEqual(
        listSkills(repo.dir, src.dir).map((s) => [s.name, s.state]),
        [
          ['alpha', 'stale'],
          ['beta', 'edited'],
        ],
      );
      const second = syncSkills({ repoRoot: repo.dir, sourceDir: src.dir });
      assert.deepEqual(second.changed, ['alpha']);
      assert.deepEqual(second.drifted, ['beta']);
      assert.match(installed('alpha'), /alpha v2/);
      assert.match(installed('beta'), /beta v1\nmy own note/);
      // Still drifted on the next run: the edit is not mistaken for factory's own copy.
      assert.deepEqual(syncSkills({ repoRoot: repo.dir, sourceDir: src.dir }).drifted, ['beta']);

      const forced = syncSkills({ repoRoot: repo.dir, sourceDir: src.dir, force: true });
      assert.deepEqual(
        forced.skills.map((s) => [s.name, s.action]),
        [
          ['alpha', 'none'],
          ['beta', 'replaced'],
        ],
      );
      assert.match(installed('beta'), /beta v2/);
      assert.doesNotMatch(installed('beta'), /my own note/);
    } finally {
      src.cleanup();
      repo.cleanup();
    }
  });

  it('leaves a same-named skill that factory did not install alone, and refuses unknown names', () => {
    const repo = makeTempRepo();
    const src = source();
    try {
      repo.write('.claude/skills/alpha/SKILL.md', '---\nname: alpha\ndescription: mine\n---\nmine\n');
      const result = syncSkills({ repoRoot: repo.dir, names: ['alpha'], sourceDir: src.dir });
      assert.deepEqual(
        result.skills.map((s) => [s.state, s.action]),
        [['unmanaged', 'kept']],
      );
      assert.match(repo.read('.claude/skills/alpha/SKILL.md'), /mine/);
      assert.throws(
        () => syncSkills({ repoRoot: repo.dir, names: ['gamma'], sourceDir: src.dir }),
        /no shipped skill "gamma"/,
      );
      // A removed installed copy is reinstalled.
      syncSkills({ repoRoot: repo.dir, names: ['beta'], sourceDir: src.dir });
      rmSync(repo.path('.claude/skills/beta'), { recursive: true });
      assert.deepEqual(syncSkills({ repoRoot: repo.dir, sourceDir: src.dir }).changed, ['beta']);
      assert.equal(
        JSON.parse(readFileSync(repo.path('.claude/skills/.factory-skills.json'), 'utf8')).skills.alpha,
        undefined,
      );
    } finally {
      src.cleanup();
      repo.cleanup();
    }
  });
});
