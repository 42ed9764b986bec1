import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitRaw, splitZ } from './git.js';

/** A file as it is staged: the blob that the commit will contain. */
export interface StagedFile {
  readonly path: string;
  readonly mode: string;
  readonly blob: string;
  /** Absent for a symbolic link or submodule: there is no file content to check. */
  content?: Buffer;
  size?: number;
}

/** Added, copied, modified or renamed-to files of the index (deletions have no content to check). */
export function listStagedFiles(cwd: string): StagedFile[] {
  // One process: `git diff --cached` also works before the first commit (it compares with the empty tree).
  const raw = git(cwd, [
    'diff',
    '--cached',
    '--raw',
    '-z',
    '--no-abbrev',
    '--no-renames',
    '--no-ext-diff',
    '--diff-filter=ACMRT',
  ]);
  const parts = splitZ(raw);
  const files: StagedFile[] = [];
  // :old-mode new-mode old-blob new-blob status \0 path \0
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i]!.split(' ');
    files.push({ path: parts[i + 1]!, mode: meta[1]!, blob: meta[3]! });
  }
  return files;
}

/**
 * Reads the staged content of regular files in one `git cat-file --batch`: the checks look at what will be
 * committed, never at the working tree, so partial staging cannot fool them.
 */
export function readStagedBlobs(cwd: string, files: StagedFile[]): void {
  const regular = files.filter((file) => file.mode.startsWith('100'));
  if (regular.length === 0) return;
  const out = gitRaw(cwd, ['cat-file', '--batch'], `${regular.map((f) => f.blob).join('\n')}\n`);
  if (out.status !== 0) throw new Error(`git cat-file --batch failed: ${out.stderr.trim()}`);
  const buffer = out.stdout;
  let offset = 0;
  for (const file of regular) {
    const newline = buffer.indexOf(10, offset);
    const header = buffer.subarray(offset, newline).toString('utf8').split(' ');
    const size = Number(header[2]);
    file.size = size;
    file.content = buffer.subarray(newline + 1, newline + 1 + size);
    offset = newline + 1 + size + 1;
  }
}

/**
 * Staged files whose working-tree bytes differ from the staged blob (partial staging), found by comparing
 * with the blobs already read: no git process. A file that differs only through a clean filter or
 * line-ending conversion counts as partially staged, which sends it down the careful (lint-staged) path.
 */
export function partiallyStaged(cwd: string, files: readonly StagedFile[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    if (!file.content) continue;
    let now: Buffer;
    try {
      now = readFileSync(join(cwd, file.path));
    } catch {
      out.add(file.path); // deleted or unreadable in the working tree: not the staged content
      continue;
    }
    if (!now.equals(file.content)) out.add(file.path);
  }
  return out;
}
