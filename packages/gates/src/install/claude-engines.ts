import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { controlPlaces } from '@factory/core/config/control-files';
import { defaultConfigFileName } from '@factory/core/config/places';
import { secretReason } from '../guard/paths.js';

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
  };
}

/**
 * Control places the sandbox leaves writable: `.factory/` holds state.db, which the gates write when the
 * agent commits (the gate runs inside the sandbox, as git's child); only the control record there is
 * read-only. The guard still refuses every change to `.factory/` by the agent.
 */
const writableInSandbox = new Set(['.factory']);

/** Secret files of the home folder: never read by a tool or a sandboxed command. */
const homeSecrets = [
  '~/.ssh',
  '~/.aws',
  '~/.netrc',
  '~/.git-credentials',
  '~/.docker/config.json',
  '~/.kube/config',
];
const homeSecretFolders = new Set(['~/.ssh', '~/.aws']);

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
  const read = [
    ...secretFileRules.map((rule) => `Read(${rule})`),
    ...homeSecrets.map((path) => (homeSecretFolders.has(path) ? `Read(${path}/**)` : `Read(${path})`)),
  ];
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

/** The sandbox's concrete path lists: control places (writes), secrets (reads). */
export function sandboxPaths(
  root: string,
  home: string,
  /** Control places this init creates (they are in the list whether or not they exist yet). */
  created: readonly string[] = [],
): { denyWrite: string[]; denyRead: string[] } {
  const denyWrite = controlPlaces
    .filter(
      (place) =>
        !writableInSandbox.has(place.path) &&
        (alwaysDenied.has(place.path) || created.includes(place.path) || existsSync(join(root, place.path))),
    )
    .map((place) => `./${place.path}`);
  denyWrite.push(`./${controlRecordRel}`);
  const denyRead = [...secretFilesAt(root, home).map((name) => `./${name}`), ...homeSecrets];
  return { denyWrite, denyRead };
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
  const paths = sandboxPaths(root, home, created);
  return {
    deny,
    sandbox: { ...paths, allowedDomains: [...sandbox.allowedDomains] },
  };
}
