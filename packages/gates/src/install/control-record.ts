import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { configFilePlaces, packageJsonConfigKey } from '@factory/core/config/control-files';
import { factoryDir } from '@factory/core/paths';
import { stampOfStats } from '@factory/core/stamp';
import { sha1Hex } from '../gate/sha1.js';
import { factoryEntryMarker } from '../guard/hook-entries.js';
import type { OwnedClaudeSettings } from './claude-engines.js';
import { gitDirsOf } from './git-dirs.js';

/**
 * Tamper evidence: what `factory init` installed, recorded in `.factory/control.json` (the hash of each
 * control file, the config's place, core.hooksPath, and the Claude Code settings factory owns), and the
 * check that the guard, the gates and the reference-transaction hook run before anything else. A control
 * file that differs from the record means something other than `factory init` changed it: everything is
 * refused, with the reason, until a human runs `factory init` again (which rewrites the record).
 *
 * On the hot paths: a stat per control file (one whose size, inode and ctime are as recorded is not read
 * again: hook files, the config, the Claude Code settings, package.json), no node:crypto (a file that
 * changed is hashed in plain JavaScript), no git process (the git config keys are read from the config
 * file's text).
 *
 * It is also the one place that says what init wrote into Claude Code's settings besides its marked hook
 * entries (`claude`), so that a later init removes stale values and an uninstall removes them all.
 */

export const controlRecordVersion = 1;

export interface ControlRecord {
  readonly version: number;
  /**
   * Relative path -> SHA-1 of what init left there; `<settings file>#factory` -> factory's part of it and
   * `package.json#factory` -> the key's value, as JSON text (compared as they are, nothing to hash).
   */
  readonly files: Readonly<Record<string, string>>;
  /**
   * Relative path -> `size:inode:ctime` when recorded: a file whose stat still says so is not read or
   * hashed again (as git trusts its index). ctime cannot be set from user space, and any write or rename
   * over the file changes it.
   */
  readonly stamps?: Readonly<Record<string, string>>;
  /** The config place found at the top of the repository, or null for none (the defaults). */
  readonly config: string | null;
  /** `core.hooksPath` as init set it. */
  readonly hooksPath: string | null;
  /** Other git config keys that decide what the hooks run (`factory.bin`, `core.fsmonitor`, ...). */
  readonly gitKeys?: Readonly<Record<string, string | null>>;
  /** What init wrote into Claude Code's settings besides the hook entries. */
  readonly claude?: OwnedClaudeSettings & { readonly file: string };
}

export interface Tamper {
  /** The control file, relative to the repository. */
  readonly path: string;
  readonly change: 'changed' | 'missing' | 'added';
}

export function controlRecordPath(root: string): string {
  return join(factoryDir(root), 'control.json');
}

/**
 * The file's bytes, or undefined when it cannot be read. A missing file is asked about first (no error):
 * most control places are missing in most repositories, and a thrown ENOENT is an Error with its stack
 * (about 10 us each, a dozen and more per hook call).
 */
function readBytes(path: string): Buffer | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function hash(data: Uint8Array | string): string {
  return sha1Hex(typeof data === 'string' ? Buffer.from(data) : data);
}

/** Regular files directly in `dir` (hook scripts), sorted; `.sample` files of .git/hooks left out. */
function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return []; // no ENOENT thrown (see readBytes)
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && !entry.name.endsWith('.sample'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What of a Claude Code settings file keeps factory on: its marked hook entries (with their matchers),
 * `disableAllHooks`, the permission rules factory owns, and the sandbox. Claude Code writes other keys
 * itself (an "always allow" answer adds to permissions.allow): those are not factory's business.
 */
export function settingsProjection(text: string, ownedDeny: readonly string[]): string {
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    return `invalid:${hash(text)}`;
  }
  if (!isObject(settings)) return 'not-an-object';
  const hooks: Array<[string, unknown, unknown]> = [];
  if (isObject(settings.hooks)) {
    for (const [event, groups] of Object.entries(settings.hooks)) {
      for (const group of Array.isArray(groups) ? groups : []) {
        if (!isObject(group) || !Array.isArray(group.hooks)) continue;
        for (const hook of group.hooks) {
          if (
            isObject(hook) &&
            typeof hook.command === 'string' &&
            hook.command.includes(`: ${factoryEntryMarker};`)
          )
            hooks.push([event, group.matcher ?? null, hook]);
        }
      }
    }
  }
  const permissions = isObject(settings.permissions) ? settings.permissions : {};
  const deny = Array.isArray(permissions.deny)
    ? permissions.deny.filter((rule) => ownedDeny.includes(rule))
    : [];
  return JSON.stringify({
    hooks,
    disableAllHooks: settings.disableAllHooks ?? null,
    deny: [...deny].sort(),
    sandbox: settings.sandbox ?? null,
  });
}

/** The first config place at the top of the repository: the one the hooks load. */
function configPlaceAt(
  root: string,
  file: (rel: string) => string | undefined,
  /** package.json's stamp now, and what the earlier record found in it when its stamp was the same. */
  pkg?: { readonly unchanged: boolean; readonly known?: ControlRecord },
): { place: string; digest: string } | undefined {
  const key = `package.json#${packageJsonConfigKey}`;
  // package.json as it was at the earlier record: its key's value then, or no key (no parse of a big file).
  const knownDigest = pkg?.unchanged ? pkg.known?.files[key] : undefined;
  if (pkg?.unchanged && pkg.known?.config === key && knownDigest !== undefined)
    return { place: key, digest: knownDigest };
  const pkgText =
    pkg?.unchanged && pkg.known?.config !== key ? undefined : readBytes(join(root, 'package.json'));
  if (pkgText) {
    try {
      const pkg: unknown = JSON.parse(pkgText.toString('utf8'));
      if (isObject(pkg) && packageJsonConfigKey in pkg)
        return {
          place: `package.json#${packageJsonConfigKey}`,
          digest: JSON.stringify(pkg[packageJsonConfigKey]),
        };
    } catch {
      // Not JSON: not a config (the loader says so when it matters).
    }
  }
  for (const place of configFilePlaces) {
    const digest = file(place);
    if (digest) return { place, digest };
  }
  return undefined;
}

/** The stamp (core's stamp.ts) of a file; undefined for anything else or nothing. */
function stampOf(path: string): string | undefined {
  try {
    // No error for a missing file (see readBytes); other errors (a file in place of a folder) still throw.
    const st = statSync(path, { throwIfNoEntry: false });
    return st?.isFile() ? stampOfStats(st) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The repository's git config keys (`section.name`, lower case; sections with a subsection left out), the
 * worktree's file over the shared one, read without git: one read of each file per check.
 */
function gitConfigValues(root: string, read?: string[]): Map<string, string> {
  const values = new Map<string, string>();
  const dirs = gitDirsOf(root);
  if (!dirs) return values;
  // `[include] path` is followed where it stands (factory's own dispatch config is included this way);
  // includeIf and deeper nesting are left to the guard, which refuses writing include.* keys.
  const readFile = (file: string, depth: number) => {
    read?.push(file);
    const text = readBytes(file)?.toString('utf8');
    if (!text) return;
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const header = /^\[\s*([A-Za-z0-9.-]+)(\s+"[^"]*")?\s*\]/.exec(line);
      if (header) {
        section = header[2] ? '' : header[1]!.toLowerCase();
        continue;
      }
      const entry = section ? /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line) : null;
      if (!entry) continue;
      const key = `${section}.${entry[1]!.toLowerCase()}`;
      const value = entry[2]!.replace(/^"(.*)"$/, '$1').trim();
      if (key === 'include.path' && depth < 3)
        readFile(isAbsolute(value) ? value : join(dirname(file), value), depth + 1);
      else values.set(key, value);
    }
  };
  readFile(join(dirs.commonDir, 'config'), 0);
  readFile(join(dirs.gitDir, 'config.worktree'), 0);
  return values;
}

/**
 * The mark init leaves once it has recorded the worktree at `root`: from then on a missing record there is
 * tamper, not an install from before the record. A file in the worktree's own git folder, which git
 * deletes with the worktree: a worktree made again at an earlier one's path starts unmarked, as it should.
 */
export const recordedMarkName = 'factory-recorded';

export function recordedMarkPath(root: string): string | undefined {
  const dirs = gitDirsOf(root);
  return dirs ? join(dirs.gitDir, recordedMarkName) : undefined;
}

export const recordedMarkText =
  "# written by factory init: this worktree's control files are recorded (.factory/control.json), so a missing record is tamper\n";

/**
 * The mark of factory 0.1.0: a key per worktree path in the shared git config (`factory.recorded<id>`),
 * which a worktree made again at that path inherited. Still read for the main worktree, where no other
 * worktree can take its path; the next init replaces it with the file above.
 */
export function legacyRecordedConfigKey(root: string): string {
  return `factory.recorded${sha1Hex(Buffer.from(root)).slice(0, 16)}`;
}

/** Whether init has recorded the worktree at `root` (its mark, or the main worktree's 0.1.0 key). */
function recordedOnce(root: string): boolean {
  const dirs = gitDirsOf(root);
  if (!dirs) return false;
  if (existsSync(join(dirs.gitDir, recordedMarkName))) return true;
  return (
    dirs.gitDir === dirs.commonDir &&
    gitConfigValues(root).get(legacyRecordedConfigKey(root).toLowerCase()) === 'true'
  );
}

/**
 * git config keys that change what the hooks run: where team-mode hooks find factory, and programs git
 * starts on its own (fsmonitor on every status, the pager, the editor a sequencer may run).
 */
const recordedGitKeys = [
  'factory.node',
  'factory.bin',
  'core.fsmonitor',
  'core.pager',
  'core.editor',
  'core.sshCommand',
];

const settingsFiles = ['.claude/settings.json', '.claude/settings.local.json'];

/** The record of the repository as it is now. */
export function computeControlRecord(
  root: string,
  claude: (OwnedClaudeSettings & { file: string }) | undefined,
  /** An earlier record: files whose stamp it holds are taken from it without reading or hashing. */
  known?: ControlRecord,
): ControlRecord {
  const files: Record<string, string> = {};
  const stamps: Record<string, string> = {};
  const digestOf = (rel: string, abs: string): string | undefined => {
    const stamp = stampOf(abs);
    if (stamp === undefined) return undefined;
    stamps[rel] = stamp;
    const digest = known?.stamps?.[rel] === stamp ? known.files[rel] : undefined;
    if (digest !== undefined) return digest;
    const bytes = readBytes(abs);
    return bytes ? hash(bytes) : undefined;
  };
  const add = (rel: string, abs = join(root, rel)) => {
    const digest = digestOf(rel, abs);
    if (digest !== undefined) files[rel] = digest;
  };
  for (const name of filesIn(join(root, '.husky'))) add(`.husky/${name}`);
  for (const name of filesIn(join(root, '.husky', '_'))) add(`.husky/_/${name}`);
  const dirs = gitDirsOf(root);
  if (dirs) {
    for (const folder of ['hooks', 'factory-hooks']) {
      const hooks = join(dirs.commonDir, folder);
      for (const name of filesIn(hooks)) add(`.git/${folder}/${name}`, join(hooks, name));
    }
    add('.git/factory-hooks.config', join(dirs.commonDir, 'factory-hooks.config'));
  }
  for (const rel of settingsFiles) {
    // As for the hook files: a settings file whose stamp is as recorded holds what it held then.
    const abs = join(root, rel);
    const stamp = stampOf(abs);
    if (stamp !== undefined) stamps[rel] = stamp;
    const key = `${rel}#factory`;
    const knownProjection =
      stamp !== undefined && known?.stamps?.[rel] === stamp ? known.files[key] : undefined;
    if (knownProjection !== undefined) {
      files[key] = knownProjection;
      continue;
    }
    const bytes = readBytes(abs);
    if (bytes) files[key] = settingsProjection(bytes.toString('utf8'), claude?.deny ?? []);
  }
  const pkgStamp = stampOf(join(root, 'package.json'));
  if (pkgStamp !== undefined) stamps['package.json'] = pkgStamp;
  const config = configPlaceAt(root, (rel) => digestOf(rel, join(root, rel)), {
    unchanged: pkgStamp !== undefined && known?.stamps?.['package.json'] === pkgStamp,
    known,
  });
  if (config) files[config.place] = config.digest;
  const git = gitConfigValues(root);
  return {
    version: controlRecordVersion,
    files,
    stamps,
    config: config?.place ?? null,
    hooksPath: git.get('core.hookspath') ?? null,
    gitKeys: Object.fromEntries(recordedGitKeys.map((key) => [key, git.get(key.toLowerCase()) ?? null])),
    ...(claude ? { claude } : {}),
  };
}

/**
 * Every path the check reads or lists, present or not: the folders it lists (a file added there changes
 * the folder's ctime), the files in them, the settings files, every config place, the git config files
 * (includes followed) and the record itself. A gate that finds all of them as it left them after a clean
 * check needs no new check (gate/checked-setup.ts).
 */
export function controlInputs(root: string): string[] {
  // A linked worktree's `.git` file names its git folder; a `.git` folder changes with every commit and is
  // not an input itself (its config and hooks are).
  const dotGit = join(root, '.git');
  const paths = statSync(dotGit, { throwIfNoEntry: false })?.isFile() ? [dotGit] : [];
  const dirs = gitDirsOf(root);
  const folders = [join(root, '.husky'), join(root, '.husky', '_')];
  if (dirs) {
    paths.push(join(dirs.gitDir, 'commondir'), join(dirs.commonDir, 'factory-hooks.config'));
    folders.push(join(dirs.commonDir, 'hooks'), join(dirs.commonDir, 'factory-hooks'));
  }
  for (const folder of folders) {
    paths.push(folder);
    for (const name of filesIn(folder)) paths.push(join(folder, name));
  }
  for (const rel of [...settingsFiles, 'package.json', ...configFilePlaces]) paths.push(join(root, rel));
  gitConfigValues(root, paths);
  paths.push(controlRecordPath(root));
  return paths;
}

/** Two records say the same of the control files (their stamps aside: a touch is not a change). */
export function sameRecord(a: ControlRecord, b: ControlRecord): boolean {
  const strip = ({ stamps: _stamps, ...rest }: ControlRecord) => JSON.stringify(rest);
  return strip(a) === strip(b);
}

export function serializeRecord(record: ControlRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

export function readControlRecord(root: string): ControlRecord | undefined {
  const bytes = readBytes(controlRecordPath(root));
  if (!bytes) return undefined;
  try {
    const record = JSON.parse(bytes.toString('utf8')) as ControlRecord;
    return isObject(record) && isObject(record.files) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the record when it differs (atomically: a half-written record would read as tamper). */
export function writeControlRecord(root: string, record: ControlRecord): boolean {
  const path = controlRecordPath(root);
  const text = serializeRecord(record);
  if (readBytes(path)?.toString('utf8') === text) return false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}

/**
 * What differs from the record: [] when nothing does, undefined when the repository has no record (an
 * install older than the record, or none: doctor reports it).
 */
export function checkControlFiles(root: string): Tamper[] | undefined {
  const record = readControlRecord(root);
  if (!record) {
    // Once init has recorded, a record that is gone is tamper, not an old install.
    return recordedOnce(root) ? [{ path: '.factory/control.json', change: 'missing' }] : undefined;
  }
  const now = computeControlRecord(root, record.claude, record);
  const tampered: Tamper[] = [];
  // A config found in another place now (package.json#factory, .factoryrc.json before factory.config.json)
  // shadows the recorded one: say that, not that one file went missing and another appeared.
  const configMoved = now.config !== record.config;
  if (configMoved)
    tampered.push({
      path: `the config (now ${now.config ?? 'none'}, recorded ${record.config ?? 'none'})`,
      change: 'changed',
    });
  const skip = (path: string) => configMoved && (path === now.config || path === record.config);
  for (const [path, digest] of Object.entries(record.files)) {
    if (skip(path)) continue;
    const current = now.files[path];
    if (current === undefined) tampered.push({ path, change: 'missing' });
    else if (current !== digest) tampered.push({ path, change: 'changed' });
  }
  for (const path of Object.keys(now.files))
    if (!(path in record.files) && !skip(path)) tampered.push({ path, change: 'added' });
  if (now.hooksPath !== record.hooksPath)
    tampered.push({ path: '.git/config (core.hooksPath)', change: 'changed' });
  for (const [key, value] of Object.entries(record.gitKeys ?? {}))
    if ((now.gitKeys?.[key] ?? null) !== value)
      tampered.push({ path: `.git/config (${key})`, change: 'changed' });
  return tampered;
}

/** One clause naming what changed, for the refusals: ".husky/pre-commit changed, .factoryrc.json added". */
export function describeTamper(tampered: readonly Tamper[]): string {
  const shown = tampered
    .slice(0, 4)
    .map((t) => `${t.path.replace(/(settings[^#]*\.json)#factory$/, "$1 (factory's entries)")} ${t.change}`);
  const more = tampered.length > shown.length ? ` and ${tampered.length - shown.length} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** Whether a record exists (doctor: an install before tamper evidence, or a deleted record). */
export function hasControlRecord(root: string): boolean {
  return existsSync(controlRecordPath(root));
}
