import { parse } from 'yaml';

/** The frontmatter of a SKILL.md, as Claude Code reads it. */
export interface SkillFrontmatter {
  readonly name: string;
  readonly description: string;
  readonly [field: string]: unknown;
}

export const SKILL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_NAME = 64;
export const MAX_DESCRIPTION = 1024;

/**
 * Parses and checks a SKILL.md's frontmatter. Returns the problems found (empty when valid), each one
 * sentence naming the field and what was expected.
 */
export function checkSkillFile(
  text: string,
  folderName?: string,
): { frontmatter?: SkillFrontmatter; problems: string[] } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!match) return { problems: ['expected YAML frontmatter between --- lines at the top of the file'] };
  let data: unknown;
  try {
    data = parse(match[1]!);
  } catch (error) {
    return { problems: [`the frontmatter is not valid YAML (${(error as Error).message.split('\n')[0]})`] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: ['expected the frontmatter to be a mapping with name and description'] };
  }
  const fm = data as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof fm.name !== 'string') problems.push('name: expected a string');
  else {
    if (!SKILL_NAME.test(fm.name))
      problems.push(`name: expected lowercase letters, digits and hyphens, got "${fm.name}"`);
    if (fm.name.length > MAX_NAME) problems.push(`name: expected at most ${MAX_NAME} characters`);
    if (folderName !== undefined && fm.name !== folderName)
      problems.push(`name: expected "${folderName}", the name of the skill's folder`);
  }
  if (typeof fm.description !== 'string' || fm.description.trim() === '') {
    problems.push(
      'description: expected a non-empty string that says what the skill does and when to use it',
    );
  } else {
    if (fm.description.length > MAX_DESCRIPTION)
      problems.push(
        `description: expected at most ${MAX_DESCRIPTION} characters, got ${fm.description.length}`,
      );
    if (!/\b(use|when|before|whenever)\b/i.test(fm.description))
      problems.push('description: expected it to say when to use the skill ("Use when ...")');
  }
  if (text.slice(match[0].length).trim() === '')
    problems.push('body: expected the skill text after the frontmatter');
  return problems.length === 0 ? { frontmatter: fm as SkillFrontmatter, problems } : { problems };
}
