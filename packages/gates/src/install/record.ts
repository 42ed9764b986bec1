import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';

/**
 * The record of what `factory init` changed in a repository: `factory uninstall` undoes exactly that.
 *
 * Every file init writes, replaces or deletes is recorded with the bytes it had before the first init
 * (absent: the file did not exist) and a hash of what init left there. Uninstall restores the earlier
 * bytes of a file nobody has touched since; a file changed since gets factory's part taken out (its block,
 * its settings entries) or is kept and named. The same for the local git config keys init set, the
 * folders it created and the skills it installed. Anything init writes goes through this record, so new
 * kinds of change (more hooks, more settings) are undone without uninstall knowing about them.
 *
 * It lives in this worktree's git folder (never committed, gone with the clone): `<git-dir>/factory-install.json`.
 */
export interface FileRecord {
  /** The bytes before the first init, base64; null: there was no file. */
  readonly before: string | null;
  /** Its permission bits before (e.g. 0o755), when it existed. */
  readonly beforeMode?: number;
  /** sha256 of what init left; null: init deleted it. */
  after: string | null;
}

export interface GitConfigRecord {
  /** The local value before the first init; null: unset. */
  readonly before: string | null;
  /** The value init set last. */
  after: string;
}

export interface InstallRecord {
  version: 1;
  /** Keys: paths relative to the worktree's top, or absolute for files in the git folder. */
  files: Record<string, FileRecord>;
  gitConfig: Record<string, GitConfigRecord>;
  /** git config sections that did not exist before (removed when init's keys were their only ones). */
  gitConfigSections: string[];
  /** Folders init created (relative or absolute, as files), removed when empty. */
  dirs: string[];
  /** Skills init installed (they did not exist before), with the hash of what it installed. */
  skills: Record<string, string>;
  /** The state folder did not exist before init. */
  stateCreated?: string;
  /** The include.path value init added to .git/config. */
  include?: string;
}

export const recordFileName = 'factory-install.json';

export function recordPath(gitDir: string): string {
  return join(gitDir, recordFileName);
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export function loadRecord(gitDir: string): InstallRecord | undefined {
  const file = recordPath(gitDir);
  const text = readBytes(file)?.toString('utf8');
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as Partial<InstallRecord>;
    if (data?.version === 1 && data.files && typeof data.files === 'object') {
      return { gitConfig: {}, gitConfigSections: [], dirs: [], skills: {}, ...data } as InstallRecord;
    }
  } catch {
    // fall through
  }
  throw new FactoryError(messages.installRecordInvalid(file), ExitCode.usage);
}

/** Records init's changes as it makes them; `save()` writes the record (atomically). */
export class InstallRecorder {
  readonly record: InstallRecord;
  readonly #root: string;
  readonly #gitDir: string;

  constructor(root: string, gitDir: string) {
    this.#root = root;
    this.#gitDir = gitDir;
    this.record = loadRecord(gitDir) ?? {
      version: 1,
      files: {},
      gitConfig: {},
      gitConfigSections: [],
      dirs: [],
      skills: {},
    };
  }

  key(path: string): string {
    const abs = isAbsolute(path) ? path : join(this.#root, path);
    const rel = relative(this.#root, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  }

  absolute(key: string): string {
    return isAbsolute(key) ? key : join(this.#root, key);
  }

  /** Before init writes or deletes `path`: keeps its first bytes, and the folders the write will create. */
  before(path: string): void {
    const key = this.key(path);
    const abs = this.absolute(key);
    this.folders(dirname(abs));
    if (key in this.record.files) return;
    const bytes = readBytes(abs);
    this.record.files[key] =
      bytes === undefined
        ? { before: null, after: null }
        : { before: bytes.toString('base64'), beforeMode: statSync(abs).mode & 0o7777, after: sha256(bytes) };
  }

  /** After init wrote or deleted `path`. */
  after(path: string): void {
    const key = this.key(path);
    const entry = this.record.files[key];
    if (!entry) return;
    const bytes = readBytes(this.absolute(key));
    entry.after = bytes === undefined ? null : sha256(bytes);
  }

  /** Records the folders between `dir` and its nearest existing ancestor: they are about to be created. */
  folders(dir: string): void {
    const created: string[] = [];
    let current = dir;
    while (!existsSync(current)) {
      created.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
    for (const folder of created) {
      const key = this.key(folder);
      if (!this.record.dirs.includes(key)) this.record.dirs.push(key);
    }
  }

  /** A local git config key init is about to set, with the value it had (undefined: unset). */
  gitConfig(key: string, before: string | undefined, after: string, sectionExisted: boolean): void {
    const entry = this.record.gitConfig[key];
    if (entry) entry.after = after;
    else this.record.gitConfig[key] = { before: before ?? null, after };
    const section = key.slice(0, key.lastIndexOf('.'));
    if (!sectionExisted && !this.record.gitConfigSections.includes(section)) {
      this.record.gitConfigSections.push(section);
    }
  }

  skillInstalled(name: string, hash: string): void {
    this.record.skills[name] = hash;
  }

  save(): void {
    const file = recordPath(this.#gitDir);
    const tmp = `${file}.${process.pid}.tmp`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(this.record, null, 2)}\n`);
    renameSync(tmp, file);
  }
}
