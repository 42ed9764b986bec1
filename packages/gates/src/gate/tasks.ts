import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TaskValue } from '@factory/core/config/types';
import { messages } from '../messages.js';
import { pathMatcher } from './checks.js';
import type { Finding } from './findings.js';
import { git } from './git.js';
import { type InterruptGuard, WorkSnapshot } from './snapshot.js';
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
  /** lean: run here, no stash; lint-staged: its Node API with its backup stash (partial staging). */
  readonly runner: 'lean' | 'lint-staged' | 'none';
  readonly restored?: { index: boolean; files: string[] };
}

/**
 * Runs the tasks on the staged files.
 *
 * - The lean path (no task file has unstaged changes, the common case): the commands run on the files as
 *   they are; what a fixer changed is staged (`git add`) on success and put back on failure. No stash.
 * - Otherwise lint-staged's Node API, whose backup stash hides the unstaged changes from the tasks and
 *   puts them back afterwards.
 * Either way a snapshot of the index and of every touched file is taken first and restored after a failure
 * or an interruption: the index and the working tree end byte-identical.
 */
export async function runTasks(
  cwd: string,
  groups: readonly TaskGroup[],
  unstaged: ReadonlySet<string>,
  interrupt: InterruptGuard,
): Promise<TasksOutcome> {
  if (groups.length === 0) return { findings: [], runner: 'none' };
  const touched = new Set(groups.flatMap((g) => g.files));
  const partial = [...touched].some((path) => unstaged.has(path));
  const snapshot = WorkSnapshot.take(cwd, touched, partial);
  const findings = partial ? await runWithLintStaged(cwd, groups) : await runLean(cwd, groups, interrupt);
  if (findings.length > 0 || interrupt.interrupted) {
    return { findings, runner: partial ? 'lint-staged' : 'lean', restored: snapshot.restore() };
  }
  if (!partial) {
    // A fixer's changes to files that were fully staged become part of the commit, as with lint-staged.
    const changed = snapshot.changedFiles();
    if (changed.length > 0) git(cwd, ['add', '--', ...changed]);
  }
  return { findings, runner: partial ? 'lint-staged' : 'lean' };
}

function taskEnv(cwd: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: toolPath(cwd) };
}

async function runLean(
  cwd: string,
  groups: readonly TaskGroup[],
  interrupt: InterruptGuard,
): Promise<Finding[]> {
  const env = taskEnv(cwd);
  for (const group of groups) {
    const files = group.files.map((file) => join(cwd, file));
    for (const command of group.commands) {
      if (interrupt.interrupted) return [];
      const result = await runCommand(command, files, cwd, env, interrupt);
      if (result.code !== 0) {
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
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const settle = (result: { code: number; output: string }) => {
      if (settled) return;
      settled = true;
      resolvePromise(result);
    };
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The terminal signals the whole process group; a signal sent to the gate alone is passed on.
    const unsubscribe = interrupt?.subscribe((signal) => child.kill(signal));
    child.on('error', (error: NodeJS.ErrnoException) => {
      unsubscribe?.();
      if (error.code === 'ENOENT') settle({ code: 127, output: `factory-task: ${file}: not found\n` });
      else if (!settled) {
        settled = true;
        reject(error);
      }
    });
    child.on('close', (code, signal) => {
      unsubscribe?.();
      settle({
        code: code ?? (signal ? 128 + 2 : 1),
        output: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

async function runWithLintStaged(cwd: string, groups: readonly TaskGroup[]): Promise<Finding[]> {
  const { default: lintStaged } = await import('lint-staged');
  const config: Record<string, string[]> = {};
  for (const group of groups) config[group.glob] = [...group.commands];
  const previousPath = process.env.PATH;
  process.env.PATH = taskEnv(cwd).PATH;
  try {
    const ok = await lintStaged({ config, cwd, stash: true, quiet: false, relative: false });
    if (ok) return [];
  } finally {
    process.env.PATH = previousPath;
  }
  return [{ check: 'tasks', message: messages.lintStagedFailed, fix: messages.taskFix }];
}
