import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The guard's inbox: how the PreToolUse hook records a refusal without opening SQLite. Opening state.db,
 * recovering its WAL and committing cost a refusal about 4 ms of CPU (measured: bench/guard, deny payloads,
 * 53 ms instead of 49); writing one small file costs a tenth of a millisecond. state.db stays the one store
 * of truth: every reader of guard decisions folds the inbox into it first (guard-decisions.ts), and a
 * reader that cannot write (a read-only open) shows the pending records beside the stored ones.
 *
 * A record is one file, `<id>.json`, written aside under a dot-name and renamed into place: a reader sees
 * it whole or not at all, and it survives the hook's exit and a crash of any process (as durable as the
 * commit it replaces, which with synchronous=NORMAL is not synced to disk either). Folding inserts each
 * record with its id (unique), then removes its file: a fold that dies between the two inserts nothing
 * twice when it runs again.
 *
 * Allowances need the database: a refusal a human's one-off allowance covers must spend it, atomically.
 * The hook takes the inbox only while `guard-no-allowances` says that no allowance is live; that mark is
 * written and removed inside state.db's write transactions (granting removes it, a refusal that finds no
 * live allowance writes it), so it never claims "none" while one is live.
 */

/** What the hook records about one decision (guard-decisions.ts's GuardDecisionInput, serialisable). */
export interface InboxDecision {
  readonly sessionId?: string | undefined;
  readonly tool: string;
  readonly inputSummary: string;
  readonly decision: 'allow' | 'ask' | 'deny';
  readonly rule?: string | undefined;
  readonly reason?: string | undefined;
  readonly cwd?: string | undefined;
  readonly note?: string | undefined;
  readonly at?: Date;
}

/** A record as read back from the inbox. */
export interface InboxRecord extends Omit<InboxDecision, 'at'> {
  readonly id: string;
  readonly at: string;
  readonly file: string;
}

const RECORD = /^[0-9A-Za-z-]+\.json$/;
/** A half-written record (a writer killed between write and rename) older than this is removed. */
const STALE_TEMP_MS = 3600_000;

export function guardInboxDir(stateDb: string): string {
  return join(dirname(stateDb), 'guard-inbox');
}

/** The mark that no allowance is live, beside state.db. */
export function noAllowancesMark(stateDb: string): string {
  return join(dirname(stateDb), 'guard-no-allowances');
}

/**
 * Posts a decision to the inbox of the state.db at `stateDb`, when the hook may: the state folder exists
 * (init ran) and, for a refusal an allowance could cover, no allowance is live. Returns false when the
 * caller must record through state.db.
 */
export function postGuardDecision(
  stateDb: string,
  input: InboxDecision,
  allowanceCouldCover: boolean,
): boolean {
  if (allowanceCouldCover && !existsSync(noAllowancesMark(stateDb))) return false;
  const at = (input.at ?? new Date()).toISOString();
  const id = `${at.replace(/[-:.TZ]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const dir = guardInboxDir(stateDb);
  const { at: _at, ...rest } = input;
  const body = JSON.stringify({ id, at, ...rest });
  const temp = join(dir, `.${id}.tmp`);
  try {
    writeFileSync(temp, body);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // No state folder yet: state.db's first open creates it properly (with its .gitignore).
    if (!existsSync(dirname(dir))) return false;
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, body);
  }
  renameSync(temp, join(dir, `${id}.json`));
  return true;
}

/** Every whole record in the inbox, oldest first; a file that does not parse is left for a person. */
export function readGuardInbox(stateDb: string, now = Date.now()): InboxRecord[] {
  const dir = guardInboxDir(stateDb);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const records: InboxRecord[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    if (!RECORD.test(name)) {
      if (name.endsWith('.tmp')) removeIfStale(file, now);
      continue;
    }
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<InboxRecord>;
      if (typeof parsed.id !== 'string' || typeof parsed.at !== 'string' || typeof parsed.tool !== 'string')
        continue;
      records.push({ ...(parsed as InboxRecord), file });
    } catch {
      // gone meanwhile (another fold), or not ours: leave it
    }
  }
  return records;
}

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

/** Inside a write transaction of state.db: say whether any allowance is live (see above). */
export function markAllowances(stateDb: string, live: boolean): void {
  const mark = noAllowancesMark(stateDb);
  if (live) removeInboxFile(mark);
  else if (!existsSync(mark))
    writeFileSync(mark, 'no guard allowance is live: refusals go to guard-inbox/\n');
}
