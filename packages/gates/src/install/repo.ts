import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { execFileOffThread } from '@factory/core/proc/exec-off-thread';
import { messages } from '../messages.js';

/** Where a repository keeps what: resolved once by git, so init works at any depth and in worktrees. */
export interface RepoLayout {
  /** Top of the working tree. */
  readonly root: string;
  /** The shared git folder (`.git` of the main worktree): config, info/exclude, hooks/. */
  readonly commonDir: string;
  /** This worktree's git folder. */
  readonly gitDir: string;
}

/**
 * The repository's git configuration as git itself resolves it (system, global, local and worktree
 * files, includes followed, `-c` and GIT_CONFIG_* overrides), read with one `git config --list -z`.
 * Answers what `git config --get KEY` would: the last value of the key, trimmed; undefined when unset.
 */
export class GitConfig {
  readonly #values: ReadonlyMap<string, string>;
  readonly #all: ReadonlyMap<string, string[]>;

  constructor(values: ReadonlyMap<string, string>, all: ReadonlyMap<string, string[]> = new Map()) {
    this.#values = values;
    this.#all = all;
  }

  /** Parses `git config --list -z`: entries `key\nvalue\0`, or `key\0` for a key given without a value. */
  static parse(listZ: string): GitConfig {
    const values = new Map<string, string>();
    const all = new Map<string, string[]>();
    for (const entry of listZ.split('\0')) {
      if (entry === '') continue;
      const newline = entry.indexOf('\n');
      const key = canonicalKey(newline === -1 ? entry : entry.slice(0, newline));
      const value = newline === -1 ? '' : entry.slice(newline + 1).trim();
      // Later entries override earlier ones (local after global), as `git config --get` answers.
      values.set(key, value);
      all.set(key, [...(all.get(key) ?? []), value]);
    }
    return new GitConfig(values, all);
  }

  get(key: string): string | undefined {
    return this.#values.get(canonicalKey(key));
  }

  /** Every value of a multi-valued key (include.path), in order. */
  getAll(key: string): string[] {
    return this.#all.get(canonicalKey(key)) ?? [];
  }
}

/** git compares section and variable names case-insensitively, subsection names exactly. */
function canonicalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first === -1) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
}

/**
 * What init and doctor need to know about a repository from git, read once: one `git config --list`,
 * and beside it a `git rev-parse` unless the layout is the plain case (a sweep asks this of a hundred
 * repositories: one `git config --get` per key cost more than everything else it does). A snapshot:
 * after init changes the config, read a new one.
 */
export interface RepoContext {
  readonly layout: RepoLayout;
  readonly config: GitConfig;
}

interface GitOutput {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * git without blocking the event loop, started from a helper thread (see exec-off-thread): concurrent
 * callers (the sweep) keep their other work moving.
 */
export async function gitAsync(cwd: string, args: readonly string[]): Promise<GitOutput> {
  const result = await execFileOffThread('git', args, {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  const { error } = result;
  // A git that could not be started at all is an environment problem, as with the synchronous calls;
  // one ended by a signal reports 128, as spawnSync's callers here read it.
  if (error && typeof error.code === 'string') {
    throw Object.assign(new Error(error.message), { code: error.code });
  }
  return { status: error ? (result.code ?? 128) : 0, stdout: result.stdout, stderr: result.stderr };
}

/** Environment variables that move where git finds the repository: with any of them set, git is asked. */
const discoveryEnv = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES'];

/**
 * The layout of the plainest case without a git process: `cwd` is the top of an ordinary clone (its own
 * `.git` folder, no linked worktree, owned by us) and nothing in the environment or the config moves the
 * work tree. Exactly what `git rev-parse --show-toplevel --git-common-dir --absolute-git-dir` prints
 * there: the physical top, `.git` relative to cwd, and its real path. Anything else: undefined, ask git.
 */
function plainCandidate(cwd: string): boolean {
  if (discoveryEnv.some((name) => process.env[name] !== undefined)) return false;
  try {
    const dotGit = lstatSync(join(cwd, '.git'));
    if (!dotGit.isDirectory()) return false; // a worktree's or submodule's `.git` file, or a link
    const uid = process.getuid?.();
    // git refuses a repository someone else owns (safe.directory): let git say so.
    if (uid === undefined || dotGit.uid !== uid || statSync(cwd).uid !== uid) return false;
    return existsSync(join(cwd, '.git', 'HEAD')) && !existsSync(join(cwd, '.git', 'commondir'));
  } catch {
    return false;
  }
}

function plainLayout(cwd: string, config: GitConfig): RepoLayout | undefined {
  if (config.get('core.worktree') !== undefined) return undefined;
  const bare = config.get('core.bare');
  if (bare !== undefined && bare !== 'false') return undefined;
  const root = realpathSync(cwd);
  return { root, commonDir: resolve(cwd, '.git'), gitDir: join(root, '.git') };
}

function layoutFromGit(cwd: string, paths: GitOutput): RepoLayout {
  if (paths.status !== 0) throw new FactoryError(messages.gateNotInRepository(cwd), ExitCode.usage);
  const [root = '', common = '', gitDir = ''] = paths.stdout.trim().split('\n');
  return { root, commonDir: isAbsolute(common) ? common : resolve(cwd, common), gitDir };
}

const layoutArgs = ['rev-parse', '--show-toplevel', '--git-common-dir', '--absolute-git-dir'];

export async function readRepoContext(cwd: string): Promise<RepoContext> {
  const candidate = plainCandidate(cwd);
  const [paths, list] = await Promise.all([
    candidate ? undefined : gitAsync(cwd, layoutArgs),
    gitAsync(cwd, ['config', '--list', '-z']),
  ]);
  // An unreadable config file makes `git config --get` fail for every key: the same as nothing set.
  const config = list.status === 0 ? GitConfig.parse(list.stdout) : new GitConfig(new Map());
  const layout =
    (candidate && list.status === 0 ? plainLayout(cwd, config) : undefined) ??
    layoutFromGit(cwd, paths ?? (await gitAsync(cwd, layoutArgs)));
  return { layout, config };
}

/** Whether git tracks `path` (relative to `root`): a file, or anything under a folder of that name. */
export async function isTracked(root: string, path: string): Promise<boolean> {
  return (await gitAsync(root, ['ls-files', '--error-unmatch', '--', path])).status === 0;
}

/** The tracked files at or below each of `paths` (relative to `root`), in one git call; [] when git fails. */
export async function trackedFiles(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const result = await gitAsync(root, ['ls-files', '-z', '--', ...paths]);
  return result.status === 0 ? result.stdout.split('\0').filter(Boolean) : [];
}

export type RepoKind = 'typescript' | 'python' | 'base';

/** package.json: typescript; pyproject.toml or setup.py: python; anything else: base. */
export function detectRepoKind(root: string): RepoKind {
  if (existsSync(join(root, 'package.json'))) return 'typescript';
  if (existsSync(join(root, 'pyproject.toml')) || existsSync(join(root, 'setup.py'))) return 'python';
  return 'base';
}

/** The linked worktrees of the repository (not the main one), that exist on disk. */
export async function linkedWorktrees(root: string): Promise<string[]> {
  const out = await gitAsync(root, ['worktree', 'list', '--porcelain']);
  if (out.status !== 0) return [];
  const tops = out.stdout
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
  return tops.slice(1).filter((top) => existsSync(join(top, '.git')));
}
