import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitRaw, splitZ } from './git.js';
import { sha1Hex } from './sha1.js';
import { stagedDiffArgs } from './staged-diff.js';

/** A file as it is staged: the blob that the commit will contain. */
export interface StagedFile {
  readonly path: string;
  readonly mode: string;
  readonly blob: string;
  /** Absent for a symbolic link or submodule: there is no file content to check. */
  content?: Buffer;
  size?: number;
}

export function parseRawDiff(raw: string): StagedFile[] {
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
 * Added, copied, modified or renamed-to files of the index (deletions have no content to check). One
 * process: `git diff --cached` also works before the first commit (it compares with the empty tree).
 */
export function listStagedFiles(cwd: string): StagedFile[] {
  return parseRawDiff(git(cwd, stagedDiffArgs));
}

/** The same from a staged diff already started (staged-diff.ts): the gate loads while git works. */
export async function stagedFilesOf(diff: Promise<string>): Promise<StagedFile[]> {
  return parseRawDiff(await diff);
}

/** git's object id of a blob (SHA-1 repositories): the id `git hash-object` would give these bytes. */
export function gitBlobId(content: Buffer): string {
  const header = Buffer.from(`blob ${content.length}\0`);
  // Up to this size the JavaScript SHA-1 is quicker than loading node:crypto (the usual staged file).
  if (content.length <= 32 * 1024) return sha1Hex(Buffer.concat([header, content]));
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha1').update(header).update(content).digest('hex');
}

/**
 * Reads the staged content of regular files: the checks look at what will be committed, never at the
 * working tree, so partial staging cannot fool them. A working-tree file whose bytes hash to the staged
 * blob's id is that blob, read from disk; only the others (partially staged, filtered, SHA-256
 * repositories) are read from git, all in one `git cat-file --batch`. The common commit starts no process here.
 */
export function readStagedBlobs(cwd: string, files: StagedFile[]): void {
  const fromGit: StagedFile[] = [];
  for (const file of files) {
    if (!file.mode.startsWith('100')) continue;
    try {
      const bytes = readFileSync(join(cwd, file.path));
      if (gitBlobId(bytes) === file.blob) {
        file.content = bytes;
        file.size = bytes.length;
        continue;
      }
    } catch {
      // deleted or unreadable in the working tree: read the blob from git
    }
    fromGit.push(file);
  }
  if (fromGit.length === 0) return;
  const out = gitRaw(cwd, ['cat-file', '--batch'], `${fromGit.map((f) => f.blob).join('\n')}\n`);
  if (out.status !== 0) throw new Error(`git cat-file --batch failed: ${out.stderr.trim()}`);
  const buffer = out.stdout;
  let offset = 0;
  for (const file of fromGit) {
    const newline = buffer.indexOf(10, offset);
    const header = buffer.subarray(offset, newline).toString('utf8').split(' ');
    if (header[1] !== 'blob')
      throw new Error(`git cat-file --batch: unexpected answer for ${file.path}: ${header.join(' ')}`);
    const size = Number(header[2]);
    file.size = size;
    file.content = buffer.subarray(newline + 1, newline + 1 + size);
    offset = newline + 1 + size + 1;
  }
}
