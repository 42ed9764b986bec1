import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

/** `.factory/state.db` of the repository. */
export function stateDbPath(repoRoot: string): string {
  return join(factoryDir(repoRoot), 'state.db');
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
