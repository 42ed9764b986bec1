import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findShipped } from '@factory/core/config/locate';
import { checkSkillFile } from './frontmatter.js';

/** The skills/ folder shipped with factory (next to packages/ in the source tree and the package). */
export function shippedSkillsDir(): string {
  // Beside presets/: at the top of the source tree, and of the packed factory (whose modules sit at
  // another depth, so a fixed relative path would be right for one and wrong for the other).
  const marker = findShipped(['skills/factory-workflow/SKILL.md']);
  if (marker) return dirname(dirname(marker));
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', '..', '..', 'skills');
}

export interface ShippedSkill {
  readonly name: string;
  readonly description: string;
  readonly dir: string;
}

/**
 * Descriptions by the SKILL.md text they came from: a sweep lists the shipped skills twice per repository,
 * and parsing their YAML frontmatter was most of that. Keyed by content, so an edited file is parsed anew.
 */
const descriptions = new Map<string, string>();

function descriptionOf(name: string, text: string): string {
  const key = `${name}\0${text}`;
  let description = descriptions.get(key);
  if (description === undefined) {
    description = checkSkillFile(text, name).frontmatter?.description ?? '';
    descriptions.set(key, description);
  }
  return description;
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
    skills.push({
      name: entry.name,
      description: descriptionOf(entry.name, text),
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
