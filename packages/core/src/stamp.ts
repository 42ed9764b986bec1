// No static node:fs import: the hooks' caches use this on every commit and tool call (an ESM import of
// node:fs builds its whole namespace, about 3 ms; see cli/src/fast-path.ts).
const { renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');

/**
 * File stamps: what the hooks' caches (the guard's config cache, the gates' checked setup and config
 * cache, the control record's digests) compare to tell that a file they read is unchanged, without
 * reading it again.
 *
 * A stamp is the file's size, inode and ctime. ctime cannot be set from user space: any write, rename or
 * chmod of the file moves it, even when the writer puts the old mtime back (`touch -d`) and keeps the
 * size, which a stamp of size and mtime would take for the same file. A new file in the place of an old
 * one has another inode. A stamp is '' for a path with nothing there, so "absent" is a state that can be
 * recorded and compared too.
 */
export type Stamp = string;

type Stats = import('node:fs').Stats;

/** The stamp of a stat result. */
export function stampOfStats(st: Stats): Stamp {
  return `${st.size}:${st.ino}:${st.ctimeMs}`;
}

/**
 * The stamp of whatever is at `path`: '' when nothing can be there (no such file, or a file where a folder
 * of its path should be), `!<code>` when it cannot be told (no permission to look): such a stamp never
 * holds, so what depends on the path is checked again.
 */
export function fileStamp(path: string): Stamp {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? stampOfStats(st) : '';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOTDIR' || code === 'ENOENT' ? '' : `!${code}`;
  }
}

/** The stamps of `paths`, by path. */
export function fileStamps(paths: Iterable<string>): Record<string, Stamp> {
  const stamps: Record<string, Stamp> = {};
  for (const path of paths) stamps[path] = fileStamp(path);
  return stamps;
}

/** Whether every path still has the stamp recorded for it (false for an empty or malformed record). */
export function stampsHold(stamps: unknown): boolean {
  if (typeof stamps !== 'object' || stamps === null) return false;
  const entries = Object.entries(stamps);
  if (entries.length === 0) return false;
  for (const [path, stamp] of entries) {
    const now = fileStamp(path);
    if (now !== stamp || now.startsWith('!')) return false;
  }
  return true;
}

/**
 * The build of factory running (the module at `moduleUrl`, an `import.meta.url`): its path and stamp. A
 * rebuilt factory (new schema, new defaults, new checks) is another build, and a cache of the old one is
 * not used.
 */
export function buildStamp(moduleUrl: string): string {
  const path = decodeURIComponent(new URL(moduleUrl).pathname);
  return `${path}:${fileStamp(path)}`;
}

/**
 * Writes a cache file whole (aside, then renamed into place: a reader sees the old file or the new one).
 * A cache that cannot be written costs only speed: false then, and nothing is left behind.
 */
export function writeCacheFile(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}
