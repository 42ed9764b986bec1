import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inboxRecordId, postToInbox, readInbox, removeInboxFile } from './inbox-folder.js';

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
  const id = inboxRecordId(at);
  const { at: _at, ...rest } = input;
  return postToInbox(guardInboxDir(stateDb), id, JSON.stringify({ id, at, ...rest })) !== false;
}

/** Every whole record in the inbox, oldest first; a file that does not parse is left for a person. */
export function readGuardInbox(stateDb: string, now = Date.now()): InboxRecord[] {
  return readInbox<Omit<InboxRecord, 'file'>>(
    guardInboxDir(stateDb),
    (parsed) =>
      typeof parsed.id === 'string' && typeof parsed.at === 'string' && typeof parsed.tool === 'string',
    now,
  );
}

/** Inside a write transaction of state.db: say whether any allowance is live (see above). */
export function markAllowances(stateDb: string, live: boolean): void {
  const mark = noAllowancesMark(stateDb);
  if (live) removeInboxFile(mark);
  else if (!existsSync(mark))
    writeFileSync(mark, 'no guard allowance is live: refusals go to guard-inbox/\n');
}
