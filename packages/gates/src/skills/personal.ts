import { join } from 'node:path';
import { editExcludeFile } from '../install/exclude.js';
import { readRepoContext, trackedFiles } from '../install/repo.js';
import { MANIFEST_FILE } from './sync.js';

/**
 * Personal mode keeps what factory writes out of git through its block in `.git/info/exclude`, skill folder
 * by skill folder. `factory skills sync` and `rm` keep that block in step, so a synced skill never shows
 * up as untracked (a skill folder git tracks is the team's and stays visible).
 */
export async function keepSkillsOutOfGit(
  repoRoot: string,
  installed: readonly string[],
  removed: readonly string[],
): Promise<void> {
  const { layout, config } = await readRepoContext(repoRoot);
  if (config.get('factory.mode') === 'team') return;
  const tracked = await trackedFiles(layout.root, ['.claude/skills']);
  const add = installed
    .filter((name) => !tracked.some((path) => path.startsWith(`.claude/skills/${name}/`)))
    .map((name) => `/.claude/skills/${name}/`);
  if (add.length > 0) add.push(`/.claude/skills/${MANIFEST_FILE}`);
  editExcludeFile(
    join(layout.commonDir, 'info', 'exclude'),
    add,
    removed.map((name) => `/.claude/skills/${name}/`),
  );
}
