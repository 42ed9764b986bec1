import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaces } from '@factory/core/config/control-files';
import { defaultConfigFileName } from '@factory/core/config/places';
import { factoryDir, sharedFactoryDir } from '@factory/core/paths';
import { homeSecretStores } from '../guard/home-stores.js';
import { secretReason } from '../guard/paths.js';
import { gitDirsOf } from './git-dirs.js';

/**
 * What `factory init` asks of Claude Code's own engines, besides the guard's hook entries: permission
 * rules (Claude Code refuses the call before any hook) and its sandbox for Bash and its children
 * (bubblewrap and socat on Linux, Seatbelt on macOS). Both derive from the control places of
 * core/config/control-files and from the secret files the guard knows.
 *
 * Claude Code merges the paths of `Edit(...)` deny rules into the sandbox's denyWrite and those of
 * `Read(...)` deny rules into its denyRead; on Linux the sandbox ignores glob patterns, so the sandbox also
 * gets the concrete paths that exist when init runs.
 */

export interface SandboxOptions {
  readonly enabled: boolean;
  readonly allowedDomains: readonly string[];
}

/** The part of Claude Code's settings that factory owns, recorded so that a later init or uninstall finds it. */
export interface OwnedClaudeSettings {
  readonly deny: readonly string[];
  readonly sandbox?: {
    readonly denyWrite: readonly string[];
    readonly denyRead: readonly string[];
    readonly allowedDomains: readonly string[];
    /** Beyond the working folder: the repository's shared state when this is a linked worktree. */
    readonly allowWrite?: readonly string[];
  };
}

/**
 * Control places the sandbox leaves writable: `.factory/` holds state.db, which the gates write when the
 * agent commits (the gate runs inside the sandbox, as git's child); only the control record there is
 * read-only. The guard still refuses every change to `.factory/` by the agent.
 */
const writableInSandbox = new Set(['.factory']);

/**
 * The home folder's credential stores, from the guard's own list (guard/home-stores.ts): never read by a
 * tool or a sandboxed command. `~/X` for the sandbox, whose Linux implementation takes no globs; folders
 * are `Read(~/X/**)` for the permission rules.
 */
const homeSecrets = homeSecretStores.map((store) => `~/${store.path.replace(/\/$/, '')}`);
const homeSecretReadRules = homeSecretStores.map((store) =>
  store.path.endsWith('/') ? `Read(~/${store.path}**)` : `Read(~/${store.path})`,
);

/** `.env` files and kin, by name (gitignore-style rules apply at any depth). */
const secretFileRules = [
  '**/.env',
  '**/.env.local',
  '**/.env.*.local',
  '**/.env.production',
  '**/.env.development',
  '**/.env.staging',
  '**/.env.test',
];

/** The control record inside `.factory/`, read-only for sandboxed commands. */
export const controlRecordRel = '.factory/control.json';

export function permissionDenyRules(): string[] {
  // Config places by family (`factory.config.*`, `.factoryrc*`): rules for the file tools take globs.
  const family = (path: string) =>
    path.replace(/(\.config)\.[a-z]+$/, '$1.*').replace(/(rc)(\.[a-z]+)?$/, '$1*');
  const edit = [
    ...new Set(
      controlPlaces
        .filter((place) => !writableInSandbox.has(place.path))
        .map((place) => `Edit(./${place.folder ? `${place.path}/**` : family(place.path)})`),
    ),
  ];
  edit.push(`Edit(./${controlRecordRel})`);
  const read = [...secretFileRules.map((rule) => `Read(${rule})`), ...homeSecretReadRules];
  return [...edit, ...read];
}

/** Secret files in the top folder of the repository now (`.env`, `.env.local`, keys). */
function secretFilesAt(root: string, home: string): string[] {
  try {
    return readdirSync(root)
      .filter((name) => secretReason(join(root, name), { repoRoot: root, home }) !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/**
 * Control places init itself creates or that every repository has: in denyWrite whether or not they exist
 * yet, so that a second init writes the same settings.
 */
const alwaysDenied = new Set([
  '.husky',
  '.git/hooks',
  '.git/config',
  '.claude/settings.json',
  '.claude/settings.local.json',
  defaultConfigFileName,
]);

/**
 * The sandbox's concrete path lists: control places (writes), secrets (reads), and for a linked worktree
 * (the loop's workspaces) the repository's shared `.factory/` folder, which lies outside the worktree: the
 * gates that run inside the sandbox when the agent commits record their runs in its state.db, as they do
 * in the main checkout. Its control record stays read-only. Absolute paths take Claude Code's `//` prefix.
 */
export function sandboxPaths(
  root: string,
  home: string,
  /** Control places this init creates (they are in the list whether or not they exist yet). */
  created: readonly string[] = [],
): { denyWrite: string[]; denyRead: string[]; allowWrite: string[] } {
  const denyWrite = controlPlaces
    .filter(
      (place) =>
        !writableInSandbox.has(place.path) &&
        (alwaysDenied.has(place.path) || created.includes(place.path) || existsSync(join(root, place.path))),
    )
    .map((place) => `./${place.path}`);
  denyWrite.push(`./${controlRecordRel}`);
  const allowWrite: string[] = [];
  const shared = sharedFactoryDir(root);
  if (shared !== factoryDir(root)) {
    allowWrite.push(`/${shared}`);
    denyWrite.push(`/${join(shared, 'control.json')}`);
  }
  denyWrite.push(...linkedGitPlaces(root).map((path) => `/${path}`));
  const denyRead = [...secretFilesAt(root, home).map((name) => `./${name}`), ...homeSecrets];
  return { denyWrite, denyRead, allowWrite };
}

/**
 * A linked worktree's `.git` is a file: the control places under `.git/` (config, hooks) live in the
 * repository's shared git folder, which Claude Code lets sandboxed git commands write. The absolute paths of
 * those that exist. An absent one is left out: to deny a path that does not exist, Claude Code's sandbox
 * (bubblewrap) mounts over it, and the mount point is a real file or folder in the shared git folder for as
 * long as each sandboxed command runs, seen by every other process of the repository. The gates of other
 * worktrees took it as tamper and refused their commits and pushes; another session's sandbox bound it and
 * failed to start its command when it vanished. Creating one of these places switches nothing off by
 * itself (git reads them only when `.git/config`, always denied, says so), and the control record and the
 * guard still catch it.
 */
function linkedGitPlaces(root: string): string[] {
  const dirs = gitDirsOf(root);
  if (!dirs || dirs.gitDir === dirs.commonDir) return [];
  return controlPlaces
    .filter((place) => place.path.startsWith('.git/'))
    .map((place) => {
      const rest = place.path.slice('.git/'.length);
      // config.worktree is the worktree's own; the rest are the repository's.
      return join(rest === 'config.worktree' ? dirs.gitDir : dirs.commonDir, rest);
    })
    .filter((path) => existsSync(path));
}

/**
 * The sandbox a loop session needs beyond its project's settings (absolute paths, Claude Code's `//`
 * prefix), for a workspace whose first worktree is the session's working folder and the others are added
 * with `--add-dir`: every repository's shared `.factory/` is writable (the gates record their runs and
 * passed trees there when the agent commits) but for its control record; an added worktree's git folder is
 * writable (git must write its index and objects there), and every control place of an added worktree is
 * read-only, as the project's settings make them in the first.
 */
export function workspaceSandbox(
  worktrees: readonly string[],
  home: string,
): { allowWrite: string[]; denyWrite: string[] } {
  const allow = new Set<string>();
  const deny = new Set<string>();
  worktrees.forEach((worktree, index) => {
    const shared = sharedFactoryDir(worktree);
    allow.add(shared);
    deny.add(join(shared, 'control.json'));
    if (index === 0) return;
    const dirs = gitDirsOf(worktree);
    if (dirs) {
      allow.add(dirs.gitDir);
      allow.add(dirs.commonDir);
    }
    for (const entry of sandboxPaths(worktree, home).denyWrite) {
      deny.add(entry.startsWith('./') ? join(worktree, entry.slice(2)) : entry.replace(/^\/\//, '/'));
    }
  });
  const absolute = (path: string) => `/${path}`;
  return { allowWrite: [...allow].map(absolute), denyWrite: [...deny].map(absolute) };
}

/** What init writes into Claude Code's settings besides the hooks. */
export function ownedClaudeSettings(
  root: string,
  home: string,
  sandbox: SandboxOptions,
  created: readonly string[] = [],
): OwnedClaudeSettings {
  const deny = permissionDenyRules();
  if (!sandbox.enabled) return { deny };
  const { allowWrite, ...paths } = sandboxPaths(root, home, created);
  return {
    deny,
    sandbox: {
      ...paths,
      allowedDomains: [...sandbox.allowedDomains],
      ...(allowWrite.length > 0 ? { allowWrite } : {}),
    },
  };
}
