import {
  appendFileSync,
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { sharedFactoryDir } from '@factory/core/paths';

/**
 * The trees the gates passed, by git tree id: the pre-commit gate adds the tree of the index it checked,
 * and the reference-transaction hook lets a branch move only to a commit whose tree is here (or that is not
 * new; see reference-transaction.ts). A plain file of one id a line in `.factory/`, not state.db: the hook
 * runs on every branch update and reads it without loading SQLite (node:sqlite costs a few milliseconds to
 * open, a 40-byte-a-line file well under one). Appends are single small writes (O_APPEND), so concurrent
 * commits in two worktrees of one clone do not interleave within a line.
 */

/** One list per repository, shared by its worktrees: a tree that passed in one may be a branch's in another. */
export function passedTreesPath(root: string): string {
  return join(sharedFactoryDir(root), 'passed-trees');
}

/** Past this size the file keeps its newer half: old trees are rarely the target of a branch again. */
const MAX_BYTES = 2 * 1024 * 1024;

export function readPassedTrees(root: string): Set<string> {
  try {
    return new Set(readFileSync(passedTreesPath(root), 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * The tree passed last, alone: the hook reads it with the shell's own `read` and needs no grep for the
 * commit that follows its pre-commit gate (a concurrent commit that overwrote it only costs the grep).
 */
export function lastPassedTreePath(root: string): string {
  return join(dirname(passedTreesPath(root)), 'passed-tree-last');
}

export function recordPassedTrees(root: string, trees: readonly string[]): void {
  if (trees.length === 0) return;
  const path = passedTreesPath(root);
  mkdirSync(sharedFactoryDir(root), { recursive: true });
  appendFileSync(path, `${trees.join('\n')}\n`);
  writeInPlace(lastPassedTreePath(root), `${trees.at(-1)}\n`);
  try {
    if (statSync(path).size <= MAX_BYTES) return;
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${lines.slice(Math.floor(lines.length / 2)).join('\n')}\n`);
    renameSync(tmp, path);
  } catch {
    // Trimming is housekeeping: a failure costs only size.
  }
}

/**
 * Overwrites a small file from its start, truncating only when the length changed (a tree id has the same
 * length every time). A truncating rewrite costs a commit about 0.4 ms more (measured: ext4 starts writing
 * back a file that was truncated and rewritten when it is closed). A reader meanwhile may see a mix of the
 * two ids: that matches no tree, and the hook then looks in the full list.
 */
function writeInPlace(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fd = openSync(path, 'w');
  }
  try {
    const bytes = Buffer.from(text);
    writeSync(fd, bytes, 0, bytes.length, 0);
    if (fstatSync(fd).size !== bytes.length) ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
