import type { FactoryConfig } from '@factory/core/config/types';
import { factoryDir } from '@factory/core/paths';
import { buildStamp, fileStamp, fileStamps, stampsHold, writeCacheFile } from '@factory/core/stamp';

// No static node:fs import: this module is on every commit's path (see cli/src/fast-path.ts).
const { readFileSync } = process.getBuiltinModule('node:fs');

/**
 * What a gate checks before it runs, done once per content: the tamper check of the control files and the
 * config load. After a clean check the gate leaves `.factory/checked-setup-<worktree>.json`: the stamp
 * (core's stamp.ts: size, inode, ctime) of every path the two read or list, present or absent, and the
 * config they gave.
 * While every stamp is as recorded, the next gate takes the config from it and skips both: nothing they
 * read has changed (ctime cannot be set from user space, and any write, rename or new file in a listed
 * folder changes one). A stamp that differs means the full check, as before.
 *
 * Measured (2 shared cores, load about 6): the tamper check and the config load cost a cold gate process
 * about 35 ms of its wall time; reading this file and about 40 stats, about 3 ms.
 *
 * The file is as trusted as `.factory/control.json` and `.factory/config-cache.json` beside it: the guard
 * keeps the agent out of `.factory/`.
 */

interface CheckedSetup {
  readonly version: 1;
  /** This build of the gates (a new build re-checks: new defaults, new control places). */
  readonly build: string;
  readonly root: string;
  /** Path -> stamp ('' for a path that did not exist). */
  readonly stamps: Readonly<Record<string, string>>;
  readonly config: FactoryConfig;
}

function setupFile(root: string): string {
  // One file per worktree: linked worktrees may share a `.factory/` folder with another root.
  return `${factoryDir(root)}/checked-setup-${nameHash(root)}.json`;
}

/** FNV-1a of the path (a file name, not a security boundary: a cold SHA-1 costs more). */
function nameHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The config of the last clean check when nothing it read has changed since; undefined otherwise. */
export function readCheckedSetup(root: string): FactoryConfig | undefined {
  let setup: CheckedSetup;
  try {
    setup = JSON.parse(readFileSync(setupFile(root), 'utf8')) as CheckedSetup;
  } catch {
    return undefined;
  }
  if (setup?.version !== 1 || setup.root !== root || setup.build !== buildStamp(import.meta.url))
    return undefined;
  return stampsHold(setup.stamps) ? setup.config : undefined;
}

/** Before the check: the stamps of the control check's inputs, to compare with after it. */
export function stampPaths(paths: readonly string[]): Record<string, string> {
  return fileStamps(paths);
}

/**
 * After a clean check: records the setup when none of the control inputs changed while the check read
 * them (their stamps before and after agree, and the list of them is the same). The config's sources are
 * stamped now, as the config cache does. Returns whether it was recorded.
 */
export function writeCheckedSetup(
  root: string,
  before: Readonly<Record<string, string>>,
  controlPaths: readonly string[],
  configSources: readonly string[],
  config: FactoryConfig,
): boolean {
  const after = fileStamps(controlPaths);
  const keys = Object.keys(after);
  if (keys.length !== Object.keys(before).length) return false;
  for (const key of keys) if (before[key] !== after[key]) return false;
  for (const source of configSources) {
    const stamp = fileStamp(source);
    if (stamp === '') return false;
    after[source] = stamp;
  }
  const setup: CheckedSetup = { version: 1, build: buildStamp(import.meta.url), root, stamps: after, config };
  // A setup that cannot be recorded costs only speed (no .factory/ yet, a read-only disk).
  return writeCacheFile(setupFile(root), JSON.stringify(setup));
}
