import { chmodSync, existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { defaultConfigFileName } from '@factory/core/config/places';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { stateDbPath } from '@factory/core/paths';
import { gitRaw } from '../gate/git.js';
import { shellQuote } from '../guard/hook-entries.js';
import { messages } from '../messages.js';
import { hashSkillDir, installedSkillsDir, MANIFEST_FILE } from '../skills/sync.js';
import { mergeSettings, parseSettings, serializeSettings } from './claude-settings.js';
import { mergeExclude } from './exclude.js';
import { hasBlock, ownedFileHeader, removeBlock } from './hook-script.js';
import { huskyHookNames } from './managers.js';
import { type InstallRecord, loadRecord, recordPath, sha256 } from './record.js';
import { readRepoContext } from './repo.js';

/**
 * `factory uninstall`: undoes what `factory init` recorded (record.ts), worktree by worktree.
 *
 * - A file nobody touched since init gets its earlier bytes back (or goes, when init created it).
 * - A file changed since keeps the change: factory's part is taken out where factory knows its part (the
 *   hook block, the settings entries, the exclude block, the package.json entries); otherwise it is kept
 *   and named.
 * - Git config keys get their earlier values back, unless someone set them to something else since.
 * - Skills init installed go, unless edited. The state store stays unless `removeState`.
 * - In team mode, files git tracks are the team's setup: they stay unless `team` (then the removal is a
 *   change to commit).
 */
export interface UninstallOptions {
  readonly cwd: string;
  /** Also undo the committed (tracked) part of a team setup. */
  readonly team?: boolean;
  /** Delete the state store too (tasks, gate runs, guard decisions). */
  readonly removeState?: boolean;
}

export type UninstallStep =
  | { readonly kind: 'restore'; readonly path: string; readonly bytes: Buffer; readonly mode?: number }
  | { readonly kind: 'delete'; readonly path: string }
  | { readonly kind: 'rewrite'; readonly path: string; readonly bytes: Buffer; readonly why: string }
  | { readonly kind: 'keep'; readonly path: string; readonly why: string }
  | {
      readonly kind: 'git-config';
      readonly root: string;
      readonly key: string;
      readonly value: string | null;
    }
  | { readonly kind: 'git-section'; readonly root: string; readonly section: string }
  | { readonly kind: 'git-include'; readonly root: string; readonly value: string }
  | { readonly kind: 'rmdir'; readonly path: string }
  | { readonly kind: 'rm-tree'; readonly path: string; readonly why: string }
  | { readonly kind: 'record'; readonly path: string };

export interface UninstallPlan {
  readonly root: string;
  readonly steps: UninstallStep[];
  readonly notes: string[];
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** The worktrees of the repository, main first: `[top, git folder]`. */
function worktrees(root: string): Array<{ top: string; gitDir: string }> {
  const out = gitRaw(root, ['worktree', 'list', '--porcelain']);
  const tops =
    out.status === 0
      ? out.stdout
          .toString('utf8')
          .split('\n')
          .filter((line) => line.startsWith('worktree '))
          .map((line) => line.slice('worktree '.length))
      : [root];
  const result: Array<{ top: string; gitDir: string }> = [];
  for (const top of tops) {
    if (!existsSync(top)) continue;
    const dir = gitRaw(top, ['rev-parse', '--absolute-git-dir']);
    if (dir.status === 0) result.push({ top, gitDir: dir.stdout.toString('utf8').trim() });
  }
  return result;
}

/** What to do with one recorded file that was changed since init (factory's part out, or keep). */
function strip(path: string, text: string, record: InstallRecord, key: string): Buffer | undefined {
  const name = basename(path);
  if (name === 'exclude' && path.includes(`${'info'}`)) return Buffer.from(mergeExclude(text, undefined));
  if (name === 'settings.json' || name === 'settings.local.json') {
    try {
      const cleaned = serializeSettings(mergeSettings(parseSettings(text, path), undefined));
      return Buffer.from(cleaned === '{}\n' && record.files[key]?.before === null ? '' : cleaned);
    } catch {
      return undefined;
    }
  }
  if (name === 'package.json') {
    const beforeB64 = record.files[key]?.before;
    if (!beforeB64) return undefined;
    try {
      const before = JSON.parse(Buffer.from(beforeB64, 'base64').toString('utf8')) as Record<string, never>;
      const now = JSON.parse(text) as Record<string, Record<string, string>>;
      const scripts = { ...(now.scripts ?? {}) };
      const beforeScripts = (before.scripts ?? {}) as Record<string, string>;
      if (beforeScripts.prepare === undefined) delete scripts.prepare;
      else scripts.prepare = beforeScripts.prepare;
      const dev = { ...(now.devDependencies ?? {}) };
      const beforeDev = (before.devDependencies ?? {}) as Record<string, string>;
      if (beforeDev.husky === undefined) delete dev.husky;
      const next: Record<string, unknown> = { ...now, scripts, devDependencies: dev };
      if (Object.keys(scripts).length === 0 && before.scripts === undefined) delete next.scripts;
      if (Object.keys(dev).length === 0 && before.devDependencies === undefined) delete next.devDependencies;
      const indent = /^\{\n(\s+)"/.exec(text)?.[1] ?? '  ';
      return Buffer.from(`${JSON.stringify(next, null, indent)}\n`);
    } catch {
      return undefined;
    }
  }
  if (hasBlock(text) && !text.includes(ownedFileHeader)) return Buffer.from(removeBlock(text));
  return undefined;
}

async function trackedSet(top: string, paths: string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const out = gitRaw(top, ['ls-files', '-z', '--', ...paths]);
  return new Set(out.status === 0 ? out.stdout.toString('utf8').split('\0').filter(Boolean) : []);
}

function localValue(top: string, key: string): string | undefined {
  const out = gitRaw(top, ['config', '--local', '--get', key]);
  return out.status === 0 ? out.stdout.toString('utf8').replace(/\n$/, '') : undefined;
}

/** Works out every step of the uninstall; changes nothing. */
export async function planUninstall(options: UninstallOptions): Promise<UninstallPlan> {
  const { layout } = await readRepoContext(options.cwd);
  const steps: UninstallStep[] = [];
  const notes: string[] = [];
  let found = false;
  const mode = localValue(layout.root, 'factory.mode');
  const keepTracked = mode === 'team' && !options.team;
  const dirs: string[] = [];
  const stateDir = dirname(stateDbPath(layout.root));
  for (const { top, gitDir } of worktrees(layout.root)) {
    const record = loadRecord(gitDir);
    if (!record) continue;
    found = true;
    const abs = (key: string) => (isAbsolute(key) ? key : join(top, key));
    const tracked = await trackedSet(
      top,
      Object.keys(record.files).filter((key) => !isAbsolute(key)),
    );
    let keptTracked = 0;
    for (const [key, entry] of Object.entries(record.files)) {
      const path = abs(key);
      const now = readBytes(path);
      const nowHash = now === undefined ? null : sha256(now);
      if (keepTracked && tracked.has(key)) {
        keptTracked++;
        continue;
      }
      if (nowHash === entry.after) {
        if (entry.before === null) {
          if (now !== undefined) steps.push({ kind: 'delete', path });
        } else {
          const bytes = Buffer.from(entry.before, 'base64');
          if (!now?.equals(bytes)) {
            steps.push({
              kind: 'restore',
              path,
              bytes,
              ...(entry.beforeMode !== undefined ? { mode: entry.beforeMode } : {}),
            });
          }
        }
        continue;
      }
      if (now === undefined) continue; // removed by someone since: nothing of factory's is left
      const stripped = strip(path, now.toString('utf8'), record, key);
      if (stripped === undefined) {
        steps.push({ kind: 'keep', path, why: 'changed since factory init wrote it' });
      } else if (stripped.length === 0 && entry.before === null) {
        steps.push({ kind: 'delete', path });
      } else if (!stripped.equals(now)) {
        steps.push({
          kind: 'rewrite',
          path,
          bytes: stripped,
          why: "factory's part taken out, your changes kept",
        });
      }
    }
    if (keptTracked > 0) notes.push(messages.uninstallKeptTeamFiles(keptTracked));
    for (const [name, hash] of Object.entries(record.skills)) {
      const dir = join(installedSkillsDir(top), name);
      if (!existsSync(dir)) continue;
      if (keepTracked && tracked.size > 0 && (await trackedSet(top, [relative(top, dir)])).size > 0) continue;
      if (hashSkillDir(dir) === hash)
        steps.push({ kind: 'rm-tree', path: dir, why: 'skill installed by factory init' });
      else steps.push({ kind: 'keep', path: dir, why: 'a skill factory installed, edited since' });
    }
    for (const dir of record.dirs) dirs.push(abs(dir));
    // The worktree's own state folder (caches) goes with it; the shared store below only when asked.
    const own = join(top, '.factory');
    if (options.removeState && own !== stateDir && existsSync(own)) {
      steps.push({ kind: 'rm-tree', path: own, why: "this worktree's factory folder" });
    }
    for (const [key, entry] of Object.entries(record.gitConfig)) {
      const now = localValue(top, key);
      if (now === (entry.before ?? undefined)) continue;
      if (
        now !== entry.after &&
        now !== undefined &&
        !(key === 'core.hooksPath' && /\.husky\/_\/?$/.test(now))
      ) {
        notes.push(messages.uninstallGitConfigChanged(key, now));
        continue;
      }
      steps.push({ kind: 'git-config', root: top, key, value: entry.before });
    }
    if (record.include) steps.push({ kind: 'git-include', root: top, value: record.include });
    for (const section of record.gitConfigSections) steps.push({ kind: 'git-section', root: top, section });
    steps.push({ kind: 'record', path: recordPath(gitDir) });
  }
  if (found && existsSync(stateDir)) {
    if (options.removeState) steps.push({ kind: 'rm-tree', path: stateDir, why: 'the state store' });
    else notes.push(messages.uninstallKeptState(stateDir));
  }
  if (options.team) found = teamSetupSteps(layout.root, steps, dirs) || found;
  if (!found) throw new FactoryError(messages.uninstallNothing(layout.root), ExitCode.usage);
  // Deepest folders first: a folder goes only when empty.
  for (const dir of [...new Set(dirs)].sort((a, b) => b.length - a.length))
    steps.push({ kind: 'rmdir', path: dir });
  return { root: layout.root, steps, notes };
}

/**
 * `--team` in a clone: the committed setup came with the clone, so no record of this clone covers it.
 * factory knows its own part of each committed file: owned hook files, its block in the team's hook
 * scripts, its settings entries, the config, the skills its skills manifest lists unchanged.
 */
function teamSetupSteps(top: string, steps: UninstallStep[], dirs: string[]): boolean {
  const planned = new Set(steps.map((step) => ('path' in step ? step.path : '')));
  const candidates = [
    ...huskyHookNames.map((name) => `.husky/${name}`),
    '.claude/settings.json',
    defaultConfigFileName,
    `.claude/skills/${MANIFEST_FILE}`,
  ];
  const out = gitRaw(top, ['ls-files', '-z', '--', ...candidates]);
  const tracked = out.status === 0 ? out.stdout.toString('utf8').split('\0').filter(Boolean) : [];
  let any = false;
  for (const path of tracked) {
    const full = join(top, path);
    if (planned.has(full)) continue;
    const text = readBytes(full)?.toString('utf8');
    if (text === undefined) continue;
    if (path.startsWith('.husky/')) {
      if (text.includes(ownedFileHeader)) steps.push({ kind: 'delete', path: full });
      else if (hasBlock(text)) {
        steps.push({
          kind: 'rewrite',
          path: full,
          bytes: Buffer.from(removeBlock(text)),
          why: "factory's block taken out",
        });
      } else continue;
    } else if (path === '.claude/settings.json') {
      let cleaned: string;
      try {
        cleaned = serializeSettings(mergeSettings(parseSettings(text, full), undefined));
      } catch {
        continue;
      }
      if (cleaned === serializeSettings(parseSettings(text, full))) continue;
      if (cleaned === '{}\n') steps.push({ kind: 'delete', path: full });
      else
        steps.push({
          kind: 'rewrite',
          path: full,
          bytes: Buffer.from(cleaned),
          why: "factory's entries taken out",
        });
    } else if (path === defaultConfigFileName) {
      steps.push({ kind: 'delete', path: full });
    } else {
      // The skills manifest: the skills it lists go when they are as factory installed them.
      let manifest: { skills?: Record<string, { hash?: string }> };
      try {
        manifest = JSON.parse(text) as typeof manifest;
      } catch {
        continue;
      }
      for (const [name, entry] of Object.entries(manifest.skills ?? {})) {
        const dir = join(installedSkillsDir(top), name);
        if (!existsSync(dir) || planned.has(dir)) continue;
        if (hashSkillDir(dir) === entry.hash)
          steps.push({ kind: 'rm-tree', path: dir, why: 'skill installed by factory init' });
        else steps.push({ kind: 'keep', path: dir, why: 'a skill factory installed, edited since' });
      }
      steps.push({ kind: 'delete', path: full });
    }
    any = true;
  }
  if (any) dirs.push(join(top, '.husky'), installedSkillsDir(top), join(top, '.claude'));
  return any;
}

/** One line per step, for the printed plan. */
export function describeUninstall(plan: UninstallPlan): string[] {
  const rel = (path: string) => {
    const r = relative(plan.root, path);
    return r.startsWith('..') ? path : r;
  };
  const lines: string[] = [];
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'restore':
        lines.push(`restore ${rel(step.path)} (as it was before factory init)`);
        break;
      case 'delete':
        lines.push(`delete ${rel(step.path)}`);
        break;
      case 'rewrite':
        lines.push(`update ${rel(step.path)} (${step.why})`);
        break;
      case 'keep':
        lines.push(`keep ${rel(step.path)} (${step.why})`);
        break;
      case 'git-config':
        lines.push(
          step.value === null
            ? `git config --unset ${step.key}`
            : `git config ${step.key} ${shellQuote(step.value)} (its value before factory init)`,
        );
        break;
      case 'rm-tree':
        lines.push(`delete ${rel(step.path)}/ (${step.why})`);
        break;
      case 'git-include':
        lines.push(`git config --unset include.path ${step.value}`);
        break;
      default:
        break;
    }
  }
  return lines;
}

function emptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

/** Carries the plan out. */
export function applyUninstall(plan: UninstallPlan): void {
  for (const step of plan.steps) {
    switch (step.kind) {
      case 'restore':
        writeFileSync(step.path, step.bytes);
        if (step.mode !== undefined) chmodSync(step.path, step.mode);
        break;
      case 'rewrite':
        writeFileSync(step.path, step.bytes);
        break;
      case 'delete':
      case 'record':
        rmSync(step.path, { force: true });
        break;
      case 'rm-tree':
        rmSync(step.path, { recursive: true, force: true });
        break;
      case 'git-config': {
        const args =
          step.value === null
            ? ['config', '--local', '--unset-all', step.key]
            : ['config', '--local', step.key, step.value];
        const out = gitRaw(step.root, args);
        if (out.status !== 0 && step.value !== null) {
          throw new FactoryError(messages.initGitConfigFailed(step.key, out.stderr.trim()), ExitCode.usage);
        }
        break;
      }
      case 'git-section': {
        const left = gitRaw(step.root, [
          'config',
          '--local',
          '--get-regexp',
          `^${step.section.replace(/\./g, '\\.')}\\.`,
        ]);
        if (left.status !== 0 || left.stdout.length === 0) {
          gitRaw(step.root, ['config', '--local', '--remove-section', step.section]);
        }
        break;
      }
      case 'rmdir':
        if (emptyDir(step.path)) rmdirSync(step.path);
        break;
      case 'git-include': {
        const pattern = `^${step.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
        gitRaw(step.root, ['config', '--local', '--unset', 'include.path', pattern]);
        const left = gitRaw(step.root, ['config', '--local', '--get-all', 'include.path']);
        if (left.status !== 0) gitRaw(step.root, ['config', '--local', '--remove-section', 'include']);
        break;
      }
      default:
        break;
    }
  }
}
