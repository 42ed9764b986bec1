import { countInbox, inboxRecordId, postToInbox, readInbox } from './inbox-folder.js';

// No static node:path import: this module is on every commit's path (see cli/src/fast-path.ts).
const { dirname, join } = process.getBuiltinModule('node:path');

/**
 * The gates' inbox: how a gate records its run without opening SQLite, as the guard records its refusals
 * (guard-inbox.ts). Loading node:sqlite, opening state.db and committing the insert cost a commit about 7
 * ms of its wall time, most of it the commit at the very end, after the checks and the task (measured with
 * --cpu-prof over 20 commits at load 5); writing one small file costs about a tenth of a millisecond.
 * state.db stays the one store of truth: every reader of gate runs (gate-runs.ts: `factory gate history`,
 * status, the Stop hook, pre-push's reuse of a passed run, the sweep, the loop, the team sync) folds the
 * inbox into gate_runs first, and a reader that cannot write (a read-only open) shows the pending runs
 * beside the stored ones.
 *
 * A run is one file, `<id>.json`, written aside under a dot-name and renamed into place: a reader sees it
 * whole or not at all, and it survives the hook's exit and a crash of any process (as durable as the
 * commit it replaces, which with synchronous=NORMAL is not synced to disk either). Folding inserts each run
 * with its id (unique), then removes its file: a fold that dies between the two inserts nothing twice when
 * it runs again. The reference-transaction hook never reads gate runs: it reads the passed trees
 * (gate/passed-trees.ts), written before the run is recorded.
 */

/** A run as read back from the inbox: what was posted (gate-runs.ts's GateRunInput), its id and file. */
export type InboxRecord<T> = T & { readonly id: string; readonly file: string };

/** Past this many pending runs the gate that posts one folds them (a clone where nothing reads them). */
export const FOLD_AT = 200;

export function gateInboxDir(stateDb: string): string {
  return join(dirname(stateDb), 'gate-inbox');
}

/**
 * Posts a run to the inbox of the state.db at `stateDb`: 'posted', or 'created' when the inbox folder had
 * to be made first (the first run of this clone through the inbox: the caller then opens state.db once,
 * which brings its schema to the one the readers' fold needs). False when the state folder does not exist
 * yet (init never ran): the caller records through state.db, whose first open creates the folder properly
 * (with its .gitignore).
 */
export function postGateRun(stateDb: string, run: object, now = new Date()): 'posted' | 'created' | false {
  const id = inboxRecordId(now.toISOString());
  return postToInbox(gateInboxDir(stateDb), id, JSON.stringify({ ...run, id }));
}

/** How many runs wait in the inbox. */
export function pendingGateRuns(stateDb: string): number {
  return countInbox(gateInboxDir(stateDb));
}

/** Every whole run in the inbox, oldest first; a file that does not parse is left for a person. */
export function readGateInbox<T extends object>(stateDb: string, now = Date.now()): InboxRecord<T>[] {
  return readInbox<T & { id: string }>(
    gateInboxDir(stateDb),
    (parsed) =>
      typeof parsed.id === 'string' &&
      typeof parsed.gate === 'string' &&
      typeof parsed.status === 'string' &&
      typeof parsed.startedAt === 'string' &&
      typeof parsed.durationMs === 'number',
    now,
  );
}
