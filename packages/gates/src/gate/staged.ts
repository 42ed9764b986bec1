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

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Added, copied, modified or renamed-to files of the index (deletions have no content to check). */
export function listStagedFiles(cwd: string): StagedFile[] {
  const head = gitRaw(cwd, ['rev-parse', '--verify', '-q', 'HEAD']).status === 0 ? 'HEAD' : EMPTY_TREE;
  const raw = git(cwd, ['diff-index', '--cached', '-z', '--no-renames', '--diff-filter=ACMRT', head]);
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

/** Paths whose working-tree content differs from the index (unstaged changes). */
export function listUnstagedPaths(cwd: string): Set<string> {
  return new Set(splitZ(git(cwd, ['diff-files', '--name-only', '-z'])));
}
