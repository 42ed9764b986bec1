import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * The top of the working tree that contains `start`, found by walking up to a `.git` entry
 * (a folder in a normal clone, a file in a worktree or submodule). No git process is spawned:
 * this runs on the hooks' start-up path.
 */
export function findRepositoryRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `.factory/` of the repository: the per-repository state folder, kept out of git. */
export function factoryDir(repoRoot: string): string {
  return join(repoRoot, '.factory');
}

/**
 * `.factory/state.db` of the repository: one store for all its worktrees (tasks, leases, gate runs and
 * guard decisions are one set), kept in the main worktree's `.factory/`. A linked worktree's `.git` is a
 * file naming its git folder, whose `commondir` names the shared one; a bare repository's worktrees keep
 * the store in `<common dir>/factory/`. Read from two small files, no git process: hooks call this.
 */
export function stateDbPath(repoRoot: string): string {
  return join(sharedFactoryDir(repoRoot), 'state.db');
}

/** The folder of the state shared by every worktree of the repository at `repoRoot` (see stateDbPath). */
export function sharedFactoryDir(repoRoot: string): string {
  const common = linkedCommonDir(repoRoot);
  if (common === undefined) return factoryDir(repoRoot);
  return basename(common) === '.git' ? factoryDir(dirname(common)) : join(common, 'factory');
}

/** The shared git folder when `repoRoot` is a linked worktree; undefined for a main worktree. */
function linkedCommonDir(repoRoot: string): string | undefined {
  const dotGit = join(repoRoot, '.git');
  try {
    if (!lstatSync(dotGit).isFile()) return undefined;
    const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
    if (!pointer) return undefined;
    const gitDir = isAbsolute(pointer) ? pointer : resolve(repoRoot, pointer);
    const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
    return isAbsolute(common) ? resolve(common) : resolve(gitDir, common);
  } catch {
    return undefined; // a submodule (no commondir) or something unreadable: its own store
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
