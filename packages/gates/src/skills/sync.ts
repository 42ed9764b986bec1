import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import { messages } from '../messages.js';
import { listShippedSkills, shippedSkillsDir } from './shipped.js';

/**
 * Installs shipped skills into a repository's `.claude/skills/` and keeps them up to date.
 *
 * A manifest (`.claude/skills/.factory-skills.json`) records the content hash of what factory installed.
 * That tells the two kinds of difference apart: an installed copy equal to its recorded hash is factory's
 * own and only stale (safe to update); one that differs from it was changed by the user and is left alone
 * unless `force`.
 */

export type SkillState =
  /** shipped, not installed */
  | 'missing'
  /** installed and identical to the shipped version */
  | 'current'
  /** installed by factory, unchanged since, but the shipped version is newer */
  | 'stale'
  /** installed by factory, then changed by the user */
  | 'edited'
  /** a folder of that name that factory did not install (no record) and that differs from the shipped one */
  | 'unmanaged';

export type SkillAction = 'installed' | 'updated' | 'replaced' | 'kept' | 'none';

export interface SkillStatus {
  readonly name: string;
  readonly state: SkillState;
  /** What sync did (or, with dryRun, would do). */
  readonly action: SkillAction;
  readonly shippedHash: string;
  readonly installedHash?: string;
  readonly recordedHash?: string;
}

export interface SyncOptions {
  readonly repoRoot: string;
  /** Skills to install or update; default: every skill factory installed before (the manifest's). */
  readonly names?: readonly string[];
  /** Replace skills the user edited (their content is lost). */
  readonly force?: boolean;
  /** Report what would change, write nothing. */
  readonly dryRun?: boolean;
  /** Where the shipped skills are (tests); default the skills/ folder shipped with factory. */
  readonly sourceDir?: string;
}

export interface SyncResult {
  readonly skillsDir: string;
  readonly skills: readonly SkillStatus[];
  /** Skills the user changed that were left alone: the drift that remains. */
  readonly drifted: readonly string[];
  readonly changed: readonly string[];
}

interface Manifest {
  version: 1;
  skills: Record<string, { hash: string; installedAt: string }>;
}

export const MANIFEST_FILE = '.factory-skills.json';

export function installedSkillsDir(repoRoot: string): string {
  return join(repoRoot, '.claude', 'skills');
}

/** sha256 of a folder: every file's relative path and bytes, in sorted order. */
export function hashSkillDir(dir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  walk(dir);
  for (const file of files.map((f) => relative(dir, f).split('\\').join('/')).sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(dir, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

function readManifest(skillsDir: string): Manifest {
  const file = join(skillsDir, MANIFEST_FILE);
  if (!existsSync(file)) return { version: 1, skills: {} };
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (data && typeof data === 'object' && data.skills && typeof data.skills === 'object') return data;
  } catch {
    // fall through
  }
  throw new FactoryError(messages.skillsManifestInvalid(file), ExitCode.usage);
}

function writeAtomically(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

/** Replaces a skill folder: copy to a temporary sibling, then swap, so a crash never leaves half a skill. */
function installDir(source: string, target: string): void {
  const temp = `${target}.${process.pid}.tmp`;
  const old = `${target}.${process.pid}.old`;
  rmSync(temp, { recursive: true, force: true });
  cpSync(source, temp, { recursive: true });
  if (existsSync(target)) renameSync(target, old);
  renameSync(temp, target);
  rmSync(old, { recursive: true, force: true });
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function statusOf(
  name: string,
  sourceDir: string,
  skillsDir: string,
  manifest: Manifest,
): Omit<SkillStatus, 'action'> {
  const shippedHash = hashSkillDir(join(sourceDir, name));
  const target = join(skillsDir, name);
  const recordedHash = manifest.skills[name]?.hash;
  const base = { name, shippedHash, ...(recordedHash ? { recordedHash } : {}) };
  if (!isDir(target)) return { ...base, state: 'missing' };
  const installedHash = hashSkillDir(target);
  const withInstalled = { ...base, installedHash };
  if (installedHash === shippedHash) return { ...withInstalled, state: 'current' };
  if (recordedHash === undefined) return { ...withInstalled, state: 'unmanaged' };
  if (installedHash === recordedHash) return { ...withInstalled, state: 'stale' };
  return { ...withInstalled, state: 'edited' };
}

/** The status of every shipped skill in a repository, changing nothing. */
export function listSkills(repoRoot: string, sourceDir = shippedSkillsDir()): SkillStatus[] {
  const skillsDir = installedSkillsDir(repoRoot);
  const manifest = readManifest(skillsDir);
  return listShippedSkills(sourceDir).map((s) => ({
    ...statusOf(s.name, sourceDir, skillsDir, manifest),
    action: 'none',
  }));
}

/** Installs or updates skills; see the module comment for what is replaced and what is left alone. */
export function syncSkills(options: SyncOptions): SyncResult {
  const sourceDir = options.sourceDir ?? shippedSkillsDir();
  const skillsDir = installedSkillsDir(options.repoRoot);
  const manifest = readManifest(skillsDir);
  const shipped = new Set(listShippedSkills(sourceDir).map((s) => s.name));
  const names = options.names ?? Object.keys(manifest.skills).filter((n) => shipped.has(n));
  for (const name of names) {
    if (!shipped.has(name)) throw new FactoryError(messages.skillUnknown(name, [...shipped]), ExitCode.usage);
  }
  const statuses: SkillStatus[] = [];
  const now = new Date().toISOString();
  let manifestChanged = false;
  for (const name of [...new Set(names)].sort()) {
    const status = statusOf(name, sourceDir, skillsDir, manifest);
    let action: SkillAction;
    switch (status.state) {
      case 'missing':
        action = 'installed';
        break;
      case 'stale':
        action = 'updated';
        break;
      case 'edited':
      case 'unmanaged':
        action = options.force ? 'replaced' : 'kept';
        break;
      default:
        action = 'none';
    }
    statuses.push({ ...status, action });
    if (options.dryRun) continue;
    if (action === 'installed' || action === 'updated' || action === 'replaced') {
      mkdirSync(skillsDir, { recursive: true });
      installDir(join(sourceDir, name), join(skillsDir, name));
    }
    if (action !== 'kept' && manifest.skills[name]?.hash !== status.shippedHash) {
      manifest.skills[name] = { hash: status.shippedHash, installedAt: now };
      manifestChanged = true;
    }
  }
  if (manifestChanged && !options.dryRun) {
    mkdirSync(skillsDir, { recursive: true });
    writeAtomically(join(skillsDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return {
    skillsDir,
    skills: statuses,
    drifted: statuses.filter((s) => s.action === 'kept').map((s) => s.name),
    changed: statuses
      .filter((s) => s.action === 'installed' || s.action === 'updated' || s.action === 'replaced')
      .map((s) => s.name),
  };
}

export interface RemoveResult {
  readonly removed: readonly string[];
  /** Edited since factory installed them: left alone unless `force`. */
  readonly kept: readonly string[];
}

/**
 * Removes installed skills (`factory skills rm`): the folder and its manifest entry. A skill edited since
 * factory installed it stays unless `force`; a folder factory did not install is not factory's to remove.
 */
export function removeSkills(options: {
  repoRoot: string;
  names: readonly string[];
  force?: boolean;
}): RemoveResult {
  const skillsDir = installedSkillsDir(options.repoRoot);
  const manifest = readManifest(skillsDir);
  const removed: string[] = [];
  const kept: string[] = [];
  for (const name of options.names) {
    const recorded = manifest.skills[name];
    const dir = join(skillsDir, name);
    if (!recorded)
      throw new FactoryError(messages.skillNotInstalled(name, Object.keys(manifest.skills)), ExitCode.usage);
    if (isDir(dir) && hashSkillDir(dir) !== recorded.hash && !options.force) {
      kept.push(name);
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
    delete manifest.skills[name];
    removed.push(name);
  }
  if (removed.length > 0) {
    if (Object.keys(manifest.skills).length === 0) rmSync(join(skillsDir, MANIFEST_FILE), { force: true });
    else writeAtomically(join(skillsDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return { removed, kept };
}
