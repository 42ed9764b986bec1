import picomatch from 'picomatch';
import type { MemoryEntry } from '../state/memory.js';

/**
 * Which memory entries matter now, most relevant first. Pure functions: the hooks feed them the entries,
 * the prompt or the changed files, and a character budget.
 */

// Words too common to say anything about relevance.
const stopWords = new Set(
  (
    'the and for with that this from into onto when what where which while then than them they there ' +
    'their have has had not but are was were will would should could can may must use using used make ' +
    'made does done just only also some any all each every more most very here about after before your ' +
    'you our out over under please want need like run runs file files code'
  ).split(' '),
);

/** Lower-case words of three letters or more, without stop words. */
export function significantWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const raw of text.toLowerCase().split(/[^a-z0-9_-]+/)) {
    const word = raw.replace(/^[-_]+|[-_]+$/g, '');
    if (word.length >= 3 && !stopWords.has(word)) words.add(word);
  }
  return words;
}

/** Path-like tokens of a prompt ("src/app.ts", "./docs/x.md", "package.json"). */
export function pathTokens(text: string): string[] {
  return (text.match(/[\w./@-]+/g) ?? [])
    .filter((t) => t.includes('/') || /\.[a-z0-9]{1,6}$/i.test(t))
    .map((t) => t.replace(/^\.\//, '').replace(/[.,;:]+$/, ''));
}

function pathMatcher(entry: MemoryEntry): ((path: string) => boolean) | undefined {
  if (entry.paths.length === 0) return undefined;
  const match = picomatch([...entry.paths], { dot: true });
  return (path: string) => match(path) || match(path.replace(/^\/+/, ''));
}

export interface ScoredEntry {
  readonly entry: MemoryEntry;
  readonly score: number;
  /** Why it matched, for --json and debugging: the tags, words and paths that hit. */
  readonly because: readonly string[];
}

/**
 * Entries whose tags, words or paths match the prompt. A tag hits when the prompt contains it as a word;
 * words hit when at least two significant words of the entry appear in the prompt (one is noise); a
 * path hits when a path in the prompt matches one of the entry's globs.
 */
export function matchPrompt(entries: readonly MemoryEntry[], prompt: string): ScoredEntry[] {
  const promptWords = significantWords(prompt);
  const lowerPrompt = prompt.toLowerCase();
  const paths = pathTokens(prompt);
  const scored: ScoredEntry[] = [];
  for (const entry of entries) {
    const because: string[] = [];
    let score = 0;
    for (const tag of entry.tags) {
      const hit = tag.includes(' ')
        ? lowerPrompt.includes(tag)
        : promptWords.has(tag) || lowerPrompt.includes(tag);
      if (hit && tag.length >= 2) {
        score += 3;
        because.push(`tag:${tag}`);
      }
    }
    const shared = [...significantWords(entry.text)].filter((w) => promptWords.has(w));
    if (shared.length >= 2) {
      score += shared.length;
      because.push(...shared.map((w) => `word:${w}`));
    }
    const matcher = pathMatcher(entry);
    if (matcher) {
      const hits = paths.filter(matcher);
      if (hits.length > 0) {
        score += 3;
        because.push(...hits.map((p) => `path:${p}`));
      }
    }
    if (score > 0) scored.push({ entry, score, because });
  }
  return scored.sort(byScore);
}

/**
 * Every entry ranked for the start of a session: entries about files that are changed in the working tree
 * first, then the ones the hooks found useful most often, then the newest.
 */
export function rankForSession(
  entries: readonly MemoryEntry[],
  changedFiles: readonly string[],
): ScoredEntry[] {
  return entries
    .map((entry) => {
      const matcher = pathMatcher(entry);
      const hits = matcher ? changedFiles.filter(matcher) : [];
      const because = hits.slice(0, 3).map((p) => `path:${p}`);
      // A general entry (no paths) is relevant everywhere; a path entry mostly when its files are in play.
      const base = entry.paths.length === 0 ? 1 : 0;
      return { entry, score: base + (hits.length > 0 ? 5 : 0) + Math.min(entry.uses, 20) / 10, because };
    })
    .sort(byScore);
}

function byScore(a: ScoredEntry, b: ScoredEntry): number {
  return b.score - a.score || b.entry.id - a.entry.id;
}

export interface FormattedMemory {
  readonly text: string;
  readonly included: readonly number[];
  readonly omitted: number;
}

/** Claude Code caps hook output at 10,000 characters; stay well under it by default. */
export const DEFAULT_MEMORY_BUDGET = 4000;

/** Formats entries, most relevant first, until the budget is spent; says how many were left out. */
export function formatMemory(
  ranked: readonly ScoredEntry[],
  heading: string,
  budget = DEFAULT_MEMORY_BUDGET,
): FormattedMemory {
  const lines = [heading];
  const included: number[] = [];
  let used = heading.length + 1;
  const footerRoom = 80;
  for (const { entry } of ranked) {
    const tags = entry.tags.length > 0 ? ` [${entry.tags.join(', ')}]` : '';
    const paths = entry.paths.length > 0 ? ` (${entry.paths.join(', ')})` : '';
    let line = `- ${entry.text.replace(/\s+/g, ' ')}${tags}${paths}`;
    if (line.length > budget / 2) line = `${line.slice(0, Math.floor(budget / 2) - 1)}…`;
    if (used + line.length + 1 + footerRoom > budget) break;
    lines.push(line);
    included.push(entry.id);
    used += line.length + 1;
  }
  const omitted = ranked.length - included.length;
  if (omitted > 0) lines.push(`(${omitted} more in factory memory list)`);
  return { text: lines.join('\n'), included, omitted };
}
