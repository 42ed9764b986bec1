import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The git folders of a worktree: its own and the shared one (config, hooks). No git process. */
export function gitDirsOf(root: string): { gitDir: string; commonDir: string } | undefined {
  const dotGit = join(root, '.git');
  try {
    let gitDir = dotGit;
    if (statSync(dotGit).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
      if (!pointer) return undefined;
      gitDir = pointer.startsWith('/') ? pointer : join(root, pointer);
    }
    let common: string | undefined;
    // A main worktree's git folder has no commondir: asked first, not read into an ENOENT (an Error with
    // its stack, on every hook call).
    const commondir = join(gitDir, 'commondir');
    try {
      common = existsSync(commondir) ? readFileSync(commondir, 'utf8').trim() : undefined;
    } catch {
      common = undefined;
    }
    const commonDir = common ? (common.startsWith('/') ? common : join(gitDir, common)) : gitDir;
    return { gitDir, commonDir };
  } catch {
    return undefined;
  }
}
