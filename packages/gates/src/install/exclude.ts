import { readFileSync, writeFileSync } from 'node:fs';

/** factory's block in `.git/info/exclude` (personal mode): what it writes stays out of git, for this clone only. */
const start = '# >>> factory (personal mode: kept out of git) >>>';
const end = '# <<< factory <<<';

export function excludeBlock(paths: readonly string[]): string {
  return `${start}\n${paths.join('\n')}\n${end}\n`;
}

/** Puts (or, with no paths, removes) factory's block; everything else in the file is kept byte for byte. */
export function mergeExclude(existing: string, paths: readonly string[] | undefined): string {
  const from = existing.indexOf(start);
  const to = existing.indexOf(end);
  let rest = existing;
  if (from !== -1 && to > from)
    rest = existing.slice(0, from) + existing.slice(to + end.length).replace(/^\n/, '');
  if (!paths || paths.length === 0) return rest;
  const base = rest.length === 0 || rest.endsWith('\n') ? rest : `${rest}\n`;
  return `${base}${excludeBlock(paths)}`;
}

/** The paths in factory's block (empty when there is none). */
export function excludedPaths(existing: string): string[] {
  const from = existing.indexOf(start);
  const to = existing.indexOf(end);
  if (from === -1 || to < from) return [];
  return existing
    .slice(from + start.length, to)
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * Adds and removes paths in factory's block of an exclude file, keeping the rest of the file; only when the
 * block exists (personal mode). Returns whether the file changed.
 */
export function editExcludeFile(file: string, add: readonly string[], remove: readonly string[]): boolean {
  let existing: string;
  try {
    existing = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const paths = excludedPaths(existing);
  if (paths.length === 0) return false;
  const next = [
    ...paths.filter((path) => !remove.includes(path)),
    ...add.filter((path) => !paths.includes(path)),
  ];
  const text = mergeExclude(existing, next);
  if (text === existing) return false;
  writeFileSync(file, text);
  return true;
}
