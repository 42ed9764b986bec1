import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { gitDirsOf } from '../install/git-dirs.js';
import { checkConflictMarkers, checkForbiddenPaths, checkLargeFiles, checkSecrets } from './checks.js';
import type { Finding } from './findings.js';
import { gitRaw, splitZ } from './git.js';
import { readPassedTrees, recordPassedTrees } from './passed-trees.js';
import { readStagedBlobs, type StagedFile } from './staged.js';

/**
 * The check at the point of effect: git's `reference-transaction` hook runs for every ref update, also
 * under `git commit --no-verify`, and a non-zero exit in the `prepared` state aborts the update. The hook
 * script (written by factory init into `.husky/_/`) passes on only the updates of local branches to a
 * commit; everything else (remote-tracking refs, tags, stash, HEAD, deletions) never starts node.
 *
 * A branch may move to a commit when
 * 1. its tree passed the pre-commit gate (passed-trees), or equals the tree of its first parent (an empty
 *    commit, a message-only amend); or
 * 2. the commit is not new: a branch (this one at its old value included), a remote-tracking ref or a tag
 *    already reaches it (fetch and pull, checkout -b, reset to a known commit, a fast-forward merge); or
 * 3. git is in the middle of a merge, rebase, cherry-pick, revert or am, for which git runs no pre-commit
 *    hook: then each new commit gets the gate's built-in checks (secrets, conflict markers, large files,
 *    forbidden paths) on its changes against its first parent, and its tree is recorded when they pass.
 * Anything else (a commit made with --no-verify, `git commit-tree` with `update-ref`) is refused.
 */

export interface RefUpdate {
  readonly old: string;
  readonly new: string;
  readonly ref: string;
}

export interface RefVerdict {
  readonly ok: boolean;
  /** Refused updates, one sentence each. */
  readonly refused: string[];
  readonly findings: Finding[];
}

const ZERO = /^0+$/;

export function parseRefUpdates(stdin: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of stdin.split('\n')) {
    const [old, next, ref] = line.trim().split(/\s+/);
    if (!old || !next || !ref) continue;
    if (!ref.startsWith('refs/heads/') || ZERO.test(next)) continue;
    updates.push({ old, new: next, ref });
  }
  return updates;
}

interface CommitInfo {
  readonly tree: string;
  readonly parents: string[];
}

/** Tree and parents of each commit, in one git process. */
function commitInfo(root: string, ids: readonly string[]): Map<string, CommitInfo> {
  if (ids.length === 0) return new Map();
  const out = gitRaw(root, ['log', '--no-walk=unsorted', '--format=%H %T %P', ...ids, '--']);
  const info = new Map<string, CommitInfo>();
  if (out.status !== 0) return info;
  for (const line of out.stdout.toString('utf8').split('\n')) {
    const [id, tree, ...parents] = line.trim().split(' ');
    if (id && tree) info.set(id, { tree, parents: parents.filter(Boolean) });
  }
  return info;
}

/**
 * Whether a branch (the one being updated included: in the prepared state it is still at its old value),
 * a remote-tracking ref or a tag already reaches `commit`: then nothing new lands (fetch and pull, reset
 * to an earlier commit, checkout -b, a fast-forward).
 */
function alreadyReachable(root: string, commit: string): boolean {
  const out = gitRaw(root, ['rev-list', '-n', '1', commit, '--not', '--branches', '--remotes', '--tags']);
  return out.status === 0 && out.stdout.toString('utf8').trim() === '';
}

/** A merge, rebase, cherry-pick, revert or am in progress: git runs no pre-commit hook for its commits. */
export function sequencerInProgress(root: string): string | undefined {
  const dirs = gitDirsOf(root);
  if (!dirs) return undefined;
  const markers: Array<[string, string]> = [
    ['rebase-merge', 'rebase'],
    ['rebase-apply', 'rebase or am'],
    ['MERGE_HEAD', 'merge'],
    ['CHERRY_PICK_HEAD', 'cherry-pick'],
    ['REVERT_HEAD', 'revert'],
    ['sequencer', 'cherry-pick or revert'],
    ['MERGE_MSG', 'merge, cherry-pick or revert'],
  ];
  for (const [name, what] of markers) if (existsSync(join(dirs.gitDir, name))) return what;
  return undefined;
}

/** The commits of `tip` that no branch, remote-tracking ref or tag reaches yet (the new ones), oldest first. */
function newCommits(root: string, tip: string): string[] {
  const out = gitRaw(root, ['rev-list', '--reverse', tip, '--not', '--branches', '--remotes', '--tags']);
  if (out.status !== 0) return [tip];
  return out.stdout.toString('utf8').split('\n').filter(Boolean);
}

/** The files a commit adds or changes against its first parent (or the empty tree), as the gate sees them. */
function changedFiles(root: string, commit: string): StagedFile[] {
  const out = gitRaw(root, [
    'diff-tree',
    '-r',
    '-z',
    '--raw',
    '--no-abbrev',
    '--no-renames',
    '--root',
    '--no-commit-id',
    '--diff-filter=ACMRT',
    commit,
  ]);
  if (out.status !== 0) throw new Error(`git diff-tree ${commit} failed: ${out.stderr.trim()}`);
  const parts = splitZ(out.stdout.toString('utf8'));
  const files: StagedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i]!.split(' ');
    files.push({ path: parts[i + 1]!, mode: meta[1]!, blob: meta[3]! });
  }
  return files;
}

/** The gate's built-in checks on one commit's changes (the blobs come from git, not the working tree). */
function checkCommit(root: string, commit: string, config: FactoryConfig): Finding[] {
  const files = changedFiles(root, commit).filter((file) => file.mode.startsWith('100'));
  // readStagedBlobs takes a working-tree copy only when its bytes hash to the blob id: the same content.
  readStagedBlobs(root, files);
  const gates = config.gates;
  const findings = [
    ...checkSecrets(files, gates.secrets.allowPaths),
    ...checkLargeFiles(files, gates.preCommit.maxFileSizeKb),
    ...checkForbiddenPaths(files, gates.preCommit.forbiddenPaths),
  ];
  if (gates.preCommit.conflictMarkers) findings.push(...checkConflictMarkers(files));
  return findings.map((finding) => ({ ...finding, message: `${commit.slice(0, 12)}: ${finding.message}` }));
}

/** Decides the updates of one transaction; `loadConfig` is called only when a sequencer commit needs checks. */
export async function judgeRefUpdates(
  root: string,
  updates: readonly RefUpdate[],
  loadConfig: () => Promise<FactoryConfig>,
): Promise<RefVerdict> {
  if (updates.length === 0) return { ok: true, refused: [], findings: [] };
  const passed = readPassedTrees(root);
  const info = commitInfo(root, [...new Set(updates.map((u) => u.new))]);
  const refused: string[] = [];
  const findings: Finding[] = [];
  const pending: RefUpdate[] = [];
  const unpassed: RefUpdate[] = [];
  for (const update of updates) {
    const commit = info.get(update.new);
    if (!commit) refused.push(`${update.ref} -> ${update.new.slice(0, 12)}: git cannot read that commit`);
    else if (update.new !== update.old && !passed.has(commit.tree)) unpassed.push(update);
  }
  // Only for what the record does not settle (the common commit stops above): the parents' trees.
  const parentTrees = commitInfo(root, [
    ...new Set(unpassed.flatMap((u) => info.get(u.new)?.parents.slice(0, 1) ?? [])),
  ]);
  for (const update of unpassed) {
    const commit = info.get(update.new)!;
    const parent = commit.parents[0];
    if (parent && parentTrees.get(parent)?.tree === commit.tree) continue;
    if (alreadyReachable(root, update.new)) continue;
    pending.push(update);
  }
  if (pending.length === 0 || refused.length > 0) return { ok: refused.length === 0, refused, findings };

  const operation = sequencerInProgress(root);
  if (!operation) {
    for (const update of pending) {
      const tree = info.get(update.new)!.tree;
      refused.push(
        `${update.ref} cannot move to ${update.new.slice(0, 12)}: its tree ${tree.slice(0, 12)} never passed the pre-commit gate (a commit made with --no-verify, or by git commit-tree)`,
      );
    }
    return { ok: false, refused, findings };
  }
  const config = await loadConfig();
  const checked: string[] = [];
  for (const update of pending) {
    for (const commit of newCommits(root, update.new)) {
      const found = checkCommit(root, commit, config);
      if (found.length > 0) findings.push(...found);
      else checked.push(commit);
    }
  }
  if (findings.length > 0) {
    refused.push(`the ${operation} would put commits on a branch that fail the gate's checks`);
    return { ok: false, refused, findings };
  }
  const trees = commitInfo(root, checked);
  recordPassedTrees(
    root,
    [...trees.values()].map((c) => c.tree).filter((tree) => !passed.has(tree)),
  );
  return { ok: true, refused, findings };
}
