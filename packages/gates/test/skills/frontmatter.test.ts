import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkSkillFile } from '@factory/gates/skills/frontmatter';
import { listShippedSkills, presetSkills, shippedSkillsDir } from '@factory/gates/skills/shipped';

describe('shipped skills', () => {
  const dirs = readdirSync(shippedSkillsDir(), { withFileTypes: true }).filter((d) => d.isDirectory());

  it('at least six ship, including the ones the issue asks for', () => {
    const names = dirs.map((d) => d.name);
    assert.ok(names.length >= 6, names.join(', '));
    for (const wanted of [
      'factory-workflow',
      'gate-failures',
      'commit-discipline',
      'typescript-quality',
      'python-quality',
      'pull-requests',
    ])
      assert.ok(names.includes(wanted), `missing ${wanted}`);
  });

  for (const dir of dirs) {
    it(`${dir.name}/SKILL.md has valid frontmatter (name = folder, description says what and when)`, () => {
      const text = readFileSync(join(shippedSkillsDir(), dir.name, 'SKILL.md'), 'utf8');
      const { problems, frontmatter } = checkSkillFile(text, dir.name);
      assert.deepEqual(problems, []);
      assert.equal(frontmatter?.name, dir.name);
    });
  }

  it('every preset names only shipped skills', () => {
    const shipped = new Set(listShippedSkills().map((s) => s.name));
    for (const [preset, names] of Object.entries(presetSkills))
      for (const name of names) assert.ok(shipped.has(name), `${preset}: ${name}`);
  });
});

describe('checkSkillFile finds what Claude Code would reject', () => {
  const body = '\n# x\ntext\n';
  it('reports each problem with its field', () => {
    assert.deepEqual(checkSkillFile('# no frontmatter').problems, [
      'expected YAML frontmatter between --- lines at the top of the file',
    ]);
    const bad = checkSkillFile(
      `---\nname: Bad_Name\ndescription: ${'x'.repeat(1100)}\n---${body}`,
      'bad-name',
    );
    assert.deepEqual(bad.problems, [
      'name: expected lowercase letters, digits and hyphens, got "Bad_Name"',
      'name: expected "bad-name", the name of the skill\'s folder',
      'description: expected at most 1024 characters, got 1100',
      'description: expected it to say when to use the skill ("Use when ...")',
    ]);
    assert.match(
      checkSkillFile(`---\nname: ${'a'.repeat(65)}\ndescription: Use when x.\n---${body}`).problems[0] ?? '',
      /at most 64/,
    );
    assert.match(
      checkSkillFile('---\nname: ok\ndescription: Use when x.\n---\n').problems[0] ?? '',
      /^body:/,
    );
  });
});
