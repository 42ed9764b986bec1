// No static node:fs import: this module is on every commit's and every refusal's path (see cli/src/fast-path.ts).
const { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } =
  process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');

/**
 * An inbox folder beside state.db: how a hook records something without opening SQLite (the gates' runs,
 * gate-inbox.ts; the guard's refusals, guard-inbox.ts). Each record is one file, `<id>.json`, written aside
 * under a dot-name and renamed into place: a reader sees it whole or not at all, and it survives the hook's
 * exit and a crash of any process. Readers fold the records into state.db with their id (unique), then
 * remove the files: a fold that dies between the two inserts nothing twice when it runs again.
 */

const RECORD = /^[0-9A-Za-z-]+\.json$/;
/** A half-written record (a writer killed between write and rename) older than this is removed. */
const STALE_TEMP_MS = 3600_000;

/** A record's id: sortable by time, unique across processes. */
export function inboxRecordId(at: string): string {
  return `${at.replace(/[-:.TZ]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Writes one record into `dir`: 'posted', or 'created' when the folder had to be made first. False when the
 * folder's parent (the state folder) does not exist yet: init never ran, and state.db's first open creates it
 * properly (with its .gitignore).
 */
export function postToInbox(dir: string, id: string, body: string): 'posted' | 'created' | false {
  const temp = join(dir, `.${id}.tmp`);
  let posted: 'posted' | 'created' = 'posted';
  try {
    writeFileSync(temp, body);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    try {
      statSync(dirname(dir));
    } catch {
      return false;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, body);
    posted = 'created';
  }
  renameSync(temp, join(dir, `${id}.json`));
  return posted;
}

/** How many records wait in `dir` (a readdir: about 0.05 ms for a few hundred names). */
export function countInbox(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => RECORD.test(name)).length;
  } catch {
    return 0;
  }
}

/**
 * Every whole record in `dir` that `isRecord` accepts, oldest first, with its file; a file that does not
 * parse is left for a person, and a stale half-written one is removed.
 */
export function readInbox<T>(
  dir: string,
  isRecord: (parsed: Record<string, unknown>) => boolean,
  now = Date.now(),
): Array<T & { readonly file: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const records: Array<T & { readonly file: string }> = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    if (!RECORD.test(name)) {
      if (name.endsWith('.tmp')) removeIfStale(file, now);
      continue;
    }
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (parsed !== null && typeof parsed === 'object' && isRecord(parsed))
        records.push({ ...(parsed as T), file });
    } catch {
      // gone meanwhile (another fold), or not ours: leave it
    }
  }
  return records;
}

/** Removes a folded record (or a mark); one already gone is fine. */
export function removeInboxFile(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function removeIfStale(file: string, now: number): void {
  try {
    if (now - statSync(file).mtimeMs > STALE_TEMP_MS) unlinkSync(file);
  } catch {
    // gone meanwhile
  }
}
