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
