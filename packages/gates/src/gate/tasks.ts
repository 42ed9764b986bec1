import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskValue } from '@factory/core/config/types';
import { messages } from '../messages.js';
import { pathMatcher } from './checks.js';
import type { Finding } from './findings.js';
import { addLiteral, chunkArgs, pendingIndexOfPartialCommit } from './git.js';
import { treeOfIndexFile } from './index-tree.js';
import { type InterruptGuard, RunBackup, WorkSnapshot, writeOrRemove } from './snapshot.js';
import { findTool, taskEntry, toolOf, toolPath } from './tools.js';

export interface TaskGroup {
  readonly glob: string;
  readonly commands: readonly string[];
  readonly files: readonly string[];
  /** Skipped with a warning when one of its programs is not installed. */
  readonly optional?: boolean;
}

/** Which configured tasks have staged files to work on (lint-staged's matching rules). */
export function matchTasks(
  tasks: Readonly<Record<string, TaskValue>>,
  staged: readonly string[],
): TaskGroup[] {
  const groups: TaskGroup[] = [];
  for (const [glob, value] of Object.entries(tasks)) {
    const match = pathMatcher([glob]);
    const files = staged.filter(match);
    if (files.length === 0) continue;
    const entry = taskEntry(value);
    groups.push({ glob, commands: entry.run, files, ...(entry.optional ? { optional: true } : {}) });
  }
  return groups;
}

/**
 * Optional tasks whose program is not installed are skipped, each with a warning that says how to fix it
 * (a preset's tools are optional: a project without ruff still commits, and init and doctor say so).
 */
export function skipMissingOptional(
  root: string,
  groups: readonly TaskGroup[],
): { run: TaskGroup[]; skipped: Array<{ group: TaskGroup; tool: string }> } {
  const run: TaskGroup[] = [];
  const skipped: Array<{ group: TaskGroup; tool: string }> = [];
  for (const group of groups) {
    const missing = group.optional
      ? group.commands.map(toolOf).find((tool) => tool !== undefined && !findTool(root, tool))
      : undefined;
    if (missing) skipped.push({ group, tool: missing });
    else run.push(group);
  }
  return { run, skipped };
}

export interface TasksOutcome {
  readonly findings: Finding[];
  /** How many staged files had unstaged changes that were hidden from the tasks. */
  readonly hidden: number;
  readonly restored?: { index: boolean; files: string[] };
  /** After success: the tree of the index, when the tasks left the index as it was (see runTasks). */
  readonly indexTree?: string;
}

/** A staged file a task receives, with its staged bytes. */
export interface TaskFile {
  readonly path: string;
  readonly staged: Buffer;
}

/**
 * Runs the tasks on the staged files, one runner for every commit (lint-staged's semantics, without its
 * shared stash):
 *
 * 1. The index file and every task file are snapshotted (WorkSnapshot); the unstaged work of partially
 *    staged files is also copied to a backup of this run's own (RunBackup), then hidden: the working tree
 *    gets the staged bytes, so that the tasks see what will be committed.
 * 2. Each command runs through `sh` (or directly when it is plain words), with the files appended in
 *    chunks that fit a command line.
 * 3. After a failure or an interruption the snapshot is restored: index and working tree byte-identical,
 *    whatever the tasks did (`git add -A` included).
 * 4. After success a fixer's changes are staged (`git --literal-pathspecs add`), also into the index that
 *    `git commit -- PATH` keeps afterwards, and the hidden work is merged back on top of the fix
 *    (`git merge-file`); when the two conflict everything is restored and the commit is refused.
 */
export async function runTasks(
  cwd: string,
  groups: readonly TaskGroup[],
  files: readonly TaskFile[],
  interrupt: InterruptGuard,
): Promise<TasksOutcome> {
  if (groups.length === 0) return { findings: [], hidden: 0 };
  const byPath = new Map(files.map((file) => [file.path, file]));
  const touched = [...new Set(groups.flatMap((g) => g.files))];
  const snapshot = WorkSnapshot.take(cwd, touched);
  // The tree of the index, computed while the first task runs (the gate's first turn of the event loop
  // comes when it waits for that child): the runner records it for the reference-transaction hook when the
  // tasks leave the index byte for byte as it was, and computes it afresh otherwise (a fixer's staging).
  let treeBefore: string | undefined;
  const index = snapshot.indexBytes;
  const treeWhileWaiting = index
    ? setImmediate(() => {
        treeBefore = treeOfIndexFile(cwd, process.env, index);
      })
    : undefined;
  const hidden = touched.filter((path) => {
    const staged = byPath.get(path)?.staged;
    const now = snapshot.before(path);
    return staged !== undefined && (now === null || now === undefined || !now.equals(staged));
  });
  let backup: RunBackup | undefined;
  try {
    if (hidden.length > 0) {
      backup = RunBackup.write(
        cwd,
        new Map(hidden.map((path) => [path, snapshot.before(path) ?? null])),
        snapshot.indexFile,
      );
      for (const path of hidden) writeOrRemove(join(cwd, path), byPath.get(path)!.staged);
    }
    const findings = await runGroups(cwd, groups, interrupt);
    if (findings.length > 0 || interrupt.interrupted) {
      return { findings, hidden: hidden.length, restored: snapshot.restore() };
    }
    const conflict = stageFixesAndUnhide(cwd, touched, byPath, new Set(hidden), snapshot);
    if (conflict) {
      return {
        findings: [
          {
            check: 'tasks',
            file: conflict,
            message: messages.taskFixConflicts,
            fix: messages.taskFixConflictsFix,
          },
        ],
        hidden: hidden.length,
        restored: snapshot.restore(),
      };
    }
    // The tasks may end before the loop reaches the check phase (a quick task on a busy machine: its exit is
    // handled in the poll phase): then the tree was not computed yet, and is computed here.
    const indexTree = snapshot.indexUnchanged()
      ? (treeBefore ?? (index ? treeOfIndexFile(cwd, process.env, index) : undefined))
      : undefined;
    return { findings: [], hidden: hidden.length, ...(indexTree ? { indexTree } : {}) };
  } catch (error) {
    snapshot.restore();
    throw error;
  } finally {
    if (treeWhileWaiting) clearImmediate(treeWhileWaiting);
    backup?.remove();
  }
}

/**
 * Stages what the fixers changed and puts the hidden unstaged work back on top. Returns the first file
 * whose fix and unstaged work conflict (nothing is left half-done then: the caller restores).
 */
function stageFixesAndUnhide(
  cwd: string,
  touched: readonly string[],
  byPath: ReadonlyMap<string, TaskFile>,
  hidden: ReadonlySet<string>,
  snapshot: WorkSnapshot,
): string | undefined {
  const fixed: string[] = [];
  const merged = new Map<string, Buffer | null>();
  for (const path of touched) {
    const staged = byPath.get(path)?.staged;
    const full = join(cwd, path);
    const now = existsSync(full) ? readFileSync(full) : null;
    const changed = staged === undefined ? now !== null : now === null || !now.equals(staged);
    if (changed) fixed.push(path);
    if (!hidden.has(path)) continue;
    const work = snapshot.before(path) ?? null;
    if (!changed || now === null || work === null || staged === undefined) {
      merged.set(path, changed ? now : work);
      continue;
    }
    const result = mergeFile(now, staged, work);
    if (result === undefined) return path;
    merged.set(path, result);
  }
  if (fixed.length > 0) {
    addLiteral(cwd, fixed);
    // `git commit -- PATH`: the index that stays after the commit gets the fix too.
    const pending = pendingIndexOfPartialCommit();
    if (pending) addLiteral(cwd, fixed, { ...process.env, GIT_INDEX_FILE: pending });
  }
  for (const [path, bytes] of merged) writeOrRemove(join(cwd, path), bytes);
  return undefined;
}

/** A three-way merge of the fix and the unstaged work over the staged base; undefined on a conflict. */
function mergeFile(fixed: Buffer, base: Buffer, work: Buffer): Buffer | undefined {
  const { mkdtempSync, writeFileSync, rmSync } = process.getBuiltinModule('node:fs');
  const { tmpdir } = process.getBuiltinModule('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'factory-merge-'));
  try {
    const names = ['fixed', 'base', 'work'].map((n) => join(dir, n));
    writeFileSync(names[0]!, fixed);
    writeFileSync(names[1]!, base);
    writeFileSync(names[2]!, work);
    const result = spawnSync('git', ['merge-file', '-p', '--quiet', ...names], {
      maxBuffer: 1024 * 1024 * 1024,
    });
    if (result.error) throw result.error;
    return result.status === 0 ? result.stdout : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function taskEnv(cwd: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: toolPath(cwd) };
}

async function runGroups(
  cwd: string,
  groups: readonly TaskGroup[],
  interrupt: InterruptGuard,
): Promise<Finding[]> {
  const env = taskEnv(cwd);
  for (const group of groups) {
    const files = group.files.map((file) => join(cwd, file));
    for (const command of group.commands) {
      for (const chunk of chunkArgs(files)) {
        if (interrupt.interrupted) return [];
        const result = await runCommand(command, chunk, cwd, env, interrupt);
        if (result.code === 0) continue;
        process.stderr.write(result.output);
        return [
          {
            check: 'tasks',
            file: group.files.length === 1 ? group.files[0] : undefined,
            message: messages.taskFailed(command, result.code, group.files.length),
            fix: result.code === 127 ? messages.taskNotFound : messages.taskFix,
          },
        ];
      }
    }
  }
  return [];
}

/** A command of plain words (no quotes, no shell syntax) is started directly: one process fewer. */
const plainWords = /^[\w@%+=:,./-]+(?: +[\w@%+=:,./-]+)*$/;

/**
 * Runs `command FILES...`: directly when the command is plain words, else through sh (pipes, `&&`,
 * quoting). Output is kept for the report; a missing program is exit 127, as a shell reports it.
 *
 * The output goes to a file of this run's own (unlinked at once: nothing is left behind, even after a
 * SIGKILL), not through pipes: a child with pipes costs a cold gate about 10 ms more (node sets up its
 * socket and stream machinery for them; measured 16.7 ms against 5.8 ms for `true`). stdout and stderr
 * share the file, so their lines stay in the order the command wrote them.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  interrupt?: InterruptGuard,
): Promise<{ code: number; output: string }> {
  const trimmed = command.trim();
  const words = trimmed.split(/ +/);
  const [file, argv] = plainWords.test(trimmed)
    ? [words[0]!, [...words.slice(1), ...args]]
    : ['sh', ['-c', `${command} "$@"`, 'factory-task', ...args]];
  const out = openOutputFile();
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const finish = (result: { code: number; output?: string } | Error) => {
      if (settled) return;
      settled = true;
      unsubscribe?.();
      let output = '';
      try {
        output = readOutput(out);
      } finally {
        closeSync(out);
      }
      if (result instanceof Error) reject(result);
      else resolvePromise({ code: result.code, output: result.output ?? output });
    };
    let unsubscribe: (() => void) | undefined;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, argv, { cwd, env, stdio: ['ignore', out, out] });
    } catch (error) {
      finish(error as Error);
      return;
    }
    // The terminal signals the whole process group; a signal sent to the gate alone is passed on.
    unsubscribe = interrupt?.subscribe((signal) => child.kill(signal));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') finish({ code: 127, output: `factory-task: ${file}: not found\n` });
      else finish(error);
    });
    child.on('close', (code, signal) => finish({ code: code ?? (signal ? 128 + 2 : 1) }));
  });
}

/** A file for one command's output, already unlinked: only this descriptor reaches it. */
function openOutputFile(): number {
  const { tmpdir } = process.getBuiltinModule('node:os');
  for (;;) {
    const path = join(tmpdir(), `factory-task-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      const fd = openSync(path, 'wx+', 0o600);
      unlinkSync(path);
      return fd;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function readOutput(fd: number): string {
  const size = fstatSync(fd).size;
  const buffer = Buffer.alloc(size);
  let offset = 0;
  while (offset < size) {
    const n = readSync(fd, buffer, offset, size - offset, offset);
    if (n === 0) break;
    offset += n;
  }
  return buffer.subarray(0, offset).toString('utf8');
}
