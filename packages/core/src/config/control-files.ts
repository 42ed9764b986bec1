import { configSearchPlaces, packageJsonKey } from './places.js';

/**
 * What keeps factory on: the one list of the places that, changed by the agent, would switch the gates or
 * the guard off. Everything that protects them derives from it: the guard's protected paths
 * (gates/guard/paths), the review policy's protected paths, Claude Code's `permissions.deny` Edit rules and
 * sandbox `denyWrite` written by `factory init`, doctor, and the control-file record that makes tampering
 * evident (gates/install/control-record).
 *
 * Paths are relative to the top of the working tree, with `/` separators. A `folder` entry covers
 * everything below it.
 */
export interface ControlPlace {
  /** Relative path of the file, or of the folder when `folder` is set. */
  readonly path: string;
  readonly folder?: boolean;
  /** Why it matters, as the end of a sentence: "`.husky` holds the git hooks". */
  readonly why: string;
  /** What the place is for: which engine it switches. */
  readonly kind: 'hooks' | 'guard' | 'config' | 'state' | 'git' | 'bin';
  /**
   * Removing it, with the folder it is in, switches nothing off: the hooks that run it then block (they exit
   * 2 when the bin is gone) until a reinstall puts it back. So `rm -rf node_modules && npm ci` stays
   * everyday work, while writing, replacing or linking it (a fake `factory` that exits 0) is refused.
   */
  readonly removableWithFolder?: boolean;
}

/**
 * The name the factory package is installed under from the registry (scripts/pack.mjs `packageName`; a
 * test holds them together). Its bin and code are what the hooks run.
 */
export const installedPackageName = 'code-factory-cli';

/** The config search places that are files of their own (package.json holds a config only under a key). */
export const configFilePlaces: readonly string[] = configSearchPlaces.filter(
  (place) => place !== 'package.json',
);

/** lint-staged's config files: the gates run lint-staged for partial staging, and it reads them. */
const lintStagedPlaces = [
  '.lintstagedrc',
  '.lintstagedrc.json',
  '.lintstagedrc.yaml',
  '.lintstagedrc.yml',
  '.lintstagedrc.mjs',
  '.lintstagedrc.cjs',
  '.lintstagedrc.js',
  'lint-staged.config.js',
  'lint-staged.config.mjs',
  'lint-staged.config.cjs',
  'lint-staged.config.ts',
];

export const controlPlaces: readonly ControlPlace[] = [
  { path: '.husky', folder: true, why: 'holds the git hooks (husky)', kind: 'hooks' },
  { path: '.git/hooks', folder: true, why: 'holds the git hooks', kind: 'hooks' },
  { path: '.git/config', why: 'decides which hooks git runs (core.hooksPath)', kind: 'git' },
  { path: '.git/config.worktree', why: 'decides which hooks git runs in this worktree', kind: 'git' },
  {
    path: '.git/factory-hooks',
    folder: true,
    why: "holds factory's git hooks beside a team's husky",
    kind: 'hooks',
  },
  {
    path: '.git/factory-hooks.config',
    why: 'points core.hooksPath at factory’s hooks (included from .git/config)',
    kind: 'git',
  },
  {
    path: '.claude/settings.json',
    why: "installs the guard's hooks and Claude Code's sandbox",
    kind: 'guard',
  },
  {
    path: '.claude/settings.local.json',
    why: "installs the guard's hooks and Claude Code's sandbox",
    kind: 'guard',
  },
  { path: '.factory', folder: true, why: "is factory's state (state.db, the control record)", kind: 'state' },
  // The factory bin the hooks run (team mode: node_modules/.bin/factory) and the code behind it: a
  // replaced bin would answer "allow" to everything.
  {
    path: 'node_modules/.bin/factory',
    why: 'is the factory bin that the git hooks and the guard run',
    kind: 'bin',
    removableWithFolder: true,
  },
  {
    path: `node_modules/${installedPackageName}`,
    folder: true,
    why: 'holds the factory bin and its code, which the git hooks and the guard run',
    kind: 'bin',
    removableWithFolder: true,
  },
  {
    path: 'node_modules/@factory',
    folder: true,
    why: "holds factory's packages (a workspace install), which the git hooks and the guard run",
    kind: 'bin',
    removableWithFolder: true,
  },
  ...configFilePlaces.map(
    (path): ControlPlace => ({
      path,
      why: "is a place of the gates' and the guard's configuration",
      kind: 'config',
    }),
  ),
  ...lintStagedPlaces.map(
    (path): ControlPlace => ({
      path,
      why: "is lint-staged's configuration, which the gates run",
      kind: 'config',
    }),
  ),
];

/**
 * `package.json` is a config place too (its `factory` key), but it is everyday work to edit it: it is not
 * refused, the control record holds the key's value instead, and any change to it is tamper.
 */
export const packageJsonConfigKey = packageJsonKey;

/** The control place `rel` (relative, `/`-separated) lies in, or undefined. */
export function controlPlaceOf(rel: string): ControlPlace | undefined {
  const path = rel.replace(/^\.\//, '').replace(/\/+$/, '');
  for (const place of controlPlaces) {
    if (path === place.path) return place;
    if (place.folder && path.startsWith(`${place.path}/`)) return place;
  }
  return undefined;
}

/** Why changing `rel` would switch factory off, as one clause ("`.husky/pre-commit` holds ..."), or undefined. */
export function controlReason(rel: string): string | undefined {
  const place = controlPlaceOf(rel);
  return place ? `${rel} ${place.why}` : undefined;
}

/** Globs of every control place, relative to the repository (`.husky/**`, `factory.config.json`, ...). */
export function controlGlobs(): string[] {
  return controlPlaces.map((place) => (place.folder ? `${place.path}/**` : place.path));
}

/** The files factory owns and installs in a repository: their bytes are recorded at init (tamper evidence). */
export const recordedKinds: ReadonlySet<ControlPlace['kind']> = new Set(['hooks', 'guard', 'config']);
