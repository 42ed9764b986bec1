import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSkillFile } from './frontmatter.js';

/** The skills/ folder shipped with factory (next to packages/ in the source tree and the package). */
export function shippedSkillsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/skills/shipped.js (or src/skills/shipped.ts under tsx) → repository root → skills/
  return join(here, '..', '..', '..', '..', 'skills');
}

export interface ShippedSkill {
  readonly name: string;
  readonly description: string;
  readonly dir: string;
}

/** Every shipped skill (a folder with a SKILL.md), by name. Invalid ones are reported by the test. */
export function listShippedSkills(dir = shippedSkillsDir()): ShippedSkill[] {
  const skills: ShippedSkill[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, entry.name, 'SKILL.md'), 'utf8');
    } catch {
      continue;
    }
    const { frontmatter } = checkSkillFile(text, entry.name);
    skills.push({
      name: entry.name,
      description: frontmatter?.description ?? '',
      dir: join(dir, entry.name),
    });
  }
  return skills.sort((a, b) => a.name.localeCompare(b.name));
}

/** Which skills each preset installs; `factory init --preset NAME` installs these. */
export const presetSkills: Readonly<Record<string, readonly string[]>> = {
  base: ['factory-workflow', 'gate-failures', 'commit-discipline', 'pull-requests'],
  typescript: [
    'factory-workflow',
    'gate-failures',
    'commit-discipline',
    'pull-requests',
    'typescript-quality',
  ],
  python: ['factory-workflow', 'gate-failures', 'commit-discipline', 'pull-requests', 'python-quality'],
};

export function skillsForPreset(preset: string): readonly string[] | undefined {
  return Object.hasOwn(presetSkills, preset) ? presetSkills[preset] : undefined;
}
