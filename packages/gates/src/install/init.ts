import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { findConfigFile } from '@factory/core/config/find';
import { loadConfig, resolveLayers } from '@factory/core/config/load';
import { defaultConfigFileName } from '@factory/core/config/places';
import { presetFile } from '@factory/core/config/presets';
import { configSection, type FactoryConfig } from '@factory/core/config/types';
import { configSchemaPath } from '@factory/core/config/validate';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { stateDbPath } from '@factory/core/paths';
import { gitRaw } from '../gate/git.js';
import { missingTools } from '../gate/tools.js';
import {
  factoryEntryMarker,
  guardHookEntries,
  minimumClaudeCodeVersion,
  shellQuote,
} from '../guard/hook-entries.js';
import { messages } from '../messages.js';
import { messagePrefilter } from '../secrets/rules.js';
import { agentSessionMarker } from './agent-session.js';
import { type OwnedClaudeSettings, ownedClaudeSettings, type SandboxOptions } from './claude-engines.js';
import { mergeSettings, parseSettings, serializeSettings } from './claude-settings.js';
import { claudeCodeVersion, missingSandboxTools, versionBelow } from './claude-version.js';
import {
  checkControlFiles,
  computeControlRecord,
  describeTamper,
  legacyRecordedConfigKey,
  readControlRecord,
  recordedMarkName,
  recordedMarkText,
  sameRecord,
  writeControlRecord,
} from './control-record.js';
import { mergeExclude } from './exclude.js';
import {
  directDispatchFile,
  dispatchHookFile,
  type HookPlan,
  hasBlock,
  hookBlock,
  huskyPassThrough,
  huskyStub,
  type Locator,
  mergeBlock,
  ownedFileHeader,
  ownedHookFile,
  referenceTransactionFile,
  referenceTransactionHook,
  removeBlock,
} from './hook-script.js';
import { detectHooks, type HookSituation, huskyHookNames } from './managers.js';
import {
  detectRepoKind,
  isTracked,
  type RepoContext,
  type RepoLayout,
  readRepoContext,
  trackedFiles,
} from './repo.js';

export type InitMode = 'personal' | 'team';

export interface InitOptions {
  readonly cwd: string;
  readonly preset?: string;
  /** Explicit mode; absent: the mode recorded at the last init, else personal. */
  readonly mode?: InitMode;
  readonly force?: boolean;
  /** Absolute path of the node that runs factory, and of factory's bin: what the hooks will call. */
  readonly nodePath: string;
  readonly binPath: string;
  /** What git says about the repository at `cwd`, when the caller has read it already (the sweep). */
  readonly repo?: RepoContext;
}

export interface FileChange {
  /** Relative to the repository root, or absolute for files in the git folder. */
  readonly path: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly content?: string;
  readonly executable?: boolean;
}

export interface InitPlan {
  readonly root: string;
  /** This worktree's git folder (where the record of what init changed is kept) and the shared one. */
  readonly gitDir: string;
  readonly commonDir: string;
  /** git config include.path of factory's hook folder (a team's husky in personal mode), to add. */
  readonly include?: string;
  /** A linked worktree (not the main one). */
  readonly linked: boolean;
  /** What the hooks call (kept so that worktrees are set up with the same). */
  readonly nodePath: string;
  readonly binPath: string;
  readonly mode: InitMode;
  readonly preset: string;
  readonly files: FileChange[];
  readonly gitConfig: Array<{ key: string; value: string }>;
  /** factory 0.1.0's recorded mark of this worktree (a key in the shared git config), to unset. */
  readonly forgetLegacyMark?: string;
  /** Husky's `.husky/_` dispatch folder must be (re)installed. */
  readonly husky: boolean;
  readonly createState: boolean;
  /** package.json changes in team mode and has a package-lock.json: npm brings the lock file in line. */
  readonly updateLockFile: boolean;
  /** Husky stubs of hooks nothing uses, removed in personal mode: git runs every stub it finds, each costs a shell. */
  readonly pruneStubs: string[];
  /** Shipped skills of the preset to install or update in `.claude/skills/` (the skills module does it). */
  readonly skills: string[];
  readonly skillNames: readonly string[];
  /** Hooks of other managers that keep running, chained from factory's hooks. */
  readonly chained: string[];
  readonly notes: string[];
  /**
   * Everything init owns in Claude Code's settings besides its marked hook entries (permission rules, the
   * sandbox), and the settings file it went into: kept in the control record so that the next init removes
   * stale values and `factory uninstall` removes them all.
   */
  readonly claude: OwnedClaudeSettings & { readonly file: string };
  /** The control record (.factory/control.json) is missing or out of date: applyInit rewrites it. */
  readonly record: boolean;
}

const gateHooks = ['pre-commit', 'pre-push'] as const;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Works out everything `factory init` would write; writes nothing. Invalid existing files stop it here. */
export async function planInit(options: InitOptions): Promise<InitPlan> {
  // Every git config key below is answered from this one read (and the layout from one rev-parse).
  const repo = options.repo ?? (await readRepoContext(options.cwd));
  const { layout, config: gitConfig } = repo;
  const { root } = layout;
  const mainRoot = mainWorktreeRoot(layout);
  const linked = mainRoot !== root;
  const recordedMode = gitConfig.get('factory.mode');
  // A clone of a repository set up with --team stays in team mode: its committed hooks and settings are
  // the team's, and a personal init would rewrite them with this machine's paths.
  const cloneOfTeam =
    options.mode === undefined && recordedMode === undefined && (await committedTeamSetup(root));
  const mode: InitMode = options.mode ?? (recordedMode === 'team' || cloneOfTeam ? 'team' : 'personal');
  const files: FileChange[] = [];
  const notes: string[] = [];
  const plan = (path: string, content: string | undefined, executable = false) => {
    const full = join(root, path);
    const before = read(full);
    if (content === undefined) {
      if (before !== undefined) files.push({ path, action: 'delete' });
      return;
    }
    if (before === content) return;
    files.push({ path, action: before === undefined ? 'create' : 'update', content, executable });
  };

  // Config: an existing one must be valid (init stops with its error, the file untouched).
  const found = findConfigFile({ cwd: root, stopDir: root });
  const preset = options.preset ?? detectRepoKind(root);
  if (!presetFile(preset)) throw new FactoryError(messages.initUnknownPreset(preset), ExitCode.usage);
  let config: FactoryConfig;
  if (found) {
    config = (await loadConfig({ cwd: root, stopDir: root })).config;
    if (options.preset) notes.push(messages.initConfigKept(relative(root, found.file)));
    // A team's config is committed: a `$schema` with this machine's path (left by personal mode) goes.
    if (mode === 'team' && found.file.endsWith('.json')) {
      const portable = portableSchema(read(found.file) ?? '', schemaReference(root, 'team'));
      if (portable !== undefined) plan(relative(root, found.file), portable);
    }
  } else if (linked && mainConfigFile(mainRoot)) {
    // A new worktree is configured like the main one: the same (untracked, personal) config file.
    const mainFile = mainConfigFile(mainRoot) as string;
    config = (await loadConfig({ cwd: mainRoot, stopDir: mainRoot })).config;
    plan(relative(mainRoot, mainFile), read(mainFile) ?? '');
  } else {
    // A committed config must not carry one machine's path: team mode points into node_modules or omits it.
    const schema = schemaReference(root, mode);
    const fresh = { ...(schema ? { $schema: schema } : {}), extends: preset };
    config = resolveLayers(structuredClone(fresh), join(root, defaultConfigFileName)).config;
    plan(defaultConfigFileName, `${JSON.stringify(fresh, null, 2)}\n`);
  }

  // Tools the tasks and commands need: say now what would make every commit or push fail later.
  for (const missing of missingTools(root, config)) {
    notes.push(messages.initToolMissing(missing.tool, missing.where, missing.optional));
  }

  // Git hooks.
  const situation = detectHooks(repo);
  if (!options.force) {
    if (situation.dormantManagers.length > 0) {
      throw new FactoryError(messages.initDormantManager(situation.dormantManagers), ExitCode.refused);
    }
    if (situation.unchainable.length > 0) {
      throw new FactoryError(messages.initUnchainable(situation.unchainable), ExitCode.refused);
    }
  } else {
    if (situation.dormantManagers.length > 0)
      notes.push(messages.initDormantForced(situation.dormantManagers));
    if (situation.unchainable.length > 0) notes.push(messages.initUnchainableForced(situation.unchainable));
  }
  const locator: Locator = { mode, nodePath: options.nodePath, binPath: options.binPath };
  // A linked worktree is gated through the main worktree's hooks (core.hooksPath is absolute and shared):
  // it needs its own config, guard and skills, not hooks of its own.
  const hooksHere = !linked || !existsSync(join(mainRoot, '.husky/_/h'));
  const hookPlans = hooksHere ? planHooks(layout, situation, config, mode) : new Map<string, HookPlan>();
  let foreignHusky = false;
  for (const name of situation.huskyScripts) {
    const text = read(join(root, '.husky', name)) ?? '';
    if (!text.includes(ownedFileHeader) && (await isTracked(root, `.husky/${name}`))) {
      foreignHusky = true;
      break;
    }
  }
  const wrappers = mode === 'personal' && foreignHusky;
  for (const name of hooksHere ? huskyHookNames : []) {
    const hook = hookPlans.get(name);
    const path = `.husky/${name}`;
    const existing = read(join(root, path));
    const owned = existing?.includes(ownedFileHeader) ?? false;
    if (wrappers) {
      // A team's husky scripts are tracked: personal mode leaves them alone and wraps husky's stub instead.
      if (existing && hasBlock(existing) && !owned) plan(path, removeBlock(existing), true);
      if (existing && owned) plan(path, undefined);
      continue;
    }
    if (!hook) {
      if (existing && owned) plan(path, undefined);
      else if (existing && hasBlock(existing)) plan(path, removeBlock(existing), true);
      continue;
    }
    if (existing !== undefined && !owned) plan(path, mergeBlock(existing, hookBlock(hook, locator)), true);
    else plan(path, ownedHookFile(hook, locator), true);
  }
  const dispatchDir = factoryDispatchDir(layout.commonDir);
  const huskyReady =
    !hooksHere ||
    (wrappers
      ? existsSync(join(root, '.husky/_/h'))
      : existsSync(join(root, '.husky/_/h')) &&
        gitConfig.get('core.hooksPath') === hooksPathFor(mainRoot, mode, wrappers, dispatchDir) &&
        [...hookPlans.keys()].every((name) => existsSync(join(root, '.husky/_', name))));
  // Personal mode owns .husky/: keep only the stubs of hooks in use (git would start a shell for each of
  // the others on every commit: prepare-commit-msg, commit-msg, post-commit...).
  const pruneStubs =
    mode === 'personal' && !wrappers && hooksHere
      ? huskyHookNames
          .filter((name) => !hookPlans.has(name))
          .map((name) => `.husky/_/${name}`)
          .filter((path) => !huskyReady || existsSync(join(root, path)))
      : [];
  // Personal mode owns .husky/: the hooks in use get factory's own dispatch in place of husky's stub (the
  // same steps without h's helper processes; see directDispatchFile). Written after husky's install, which
  // rewrites its stubs: when husky is (re)installed they are written again.
  if (mode === 'personal' && !wrappers && hooksHere) {
    for (const name of hookPlans.keys()) {
      const script = read(join(root, '.husky', name));
      const ownedScript = script === undefined || script.includes(ownedFileHeader);
      const path = `.husky/_/${name}`;
      const content = directDispatchFile(name, ownedScript);
      const before = read(join(root, path));
      if (before !== content || !huskyReady)
        files.push({ path, action: before === undefined ? 'create' : 'update', content, executable: true });
    }
  }
  const wrapperFiles: FileChange[] = [];
  if (wrappers && hooksHere) {
    // A team's husky: factory's hooks live in the shared git folder, where husky's install (npm install
    // runs it) cannot rewrite them, and run the gate, then husky's own stub of the same name.
    for (const name of huskyHookNames) {
      const hook = hookPlans.get(name);
      const husky = `.husky/_/${name}`;
      const content = hook
        ? dispatchHookFile({ ...hook, chain: [...hook.chain, shellQuote(husky)] }, locator)
        : huskyPassThrough(name);
      const path = join(dispatchDir, name);
      const before = read(path);
      if (before !== content) {
        wrapperFiles.push({
          path,
          action: before === undefined ? 'create' : 'update',
          content,
          executable: true,
        });
      }
      // An earlier release wrapped husky's stub in place: husky's stub goes back.
      const stub = read(join(root, husky));
      if (stub !== undefined && hasBlock(stub)) {
        wrapperFiles.push({ path: husky, action: 'update', content: huskyStub, executable: true });
      }
    }
  }

  // The check at the point of effect: git runs it for every ref update, also under --no-verify. It goes
  // where core.hooksPath points (a linked worktree uses the main worktree's).
  if (hooksHere && !wrappers) {
    plan(`.husky/_/${referenceTransactionHook}`, referenceTransactionFile(locator), true);
  } else if (hooksHere) {
    const path = join(dispatchDir, referenceTransactionHook);
    const content = referenceTransactionFile(locator);
    const before = read(path);
    if (before !== content)
      wrapperFiles.push({
        path,
        action: before === undefined ? 'create' : 'update',
        content,
        executable: true,
      });
  }

  // Skills of the preset, through the skills module (it keeps the user's edits unless told otherwise).
  const { syncSkills } = await import('../skills/sync.js');
  const { skillsForPreset } = await import('../skills/shipped.js');
  const implicitTeam = cloneOfTeam || (mode === 'team' && options.mode === undefined);
  let skillNames = skillsForPreset(presetOf(config, preset)) ?? [];
  if (implicitTeam && skillNames.length > 0) {
    const trackedSkills = await trackedFiles(root, ['.claude/skills']);
    skillNames = skillNames.filter(
      (name) => !trackedSkills.some((p) => p.startsWith(`.claude/skills/${name}/`)),
    );
  }
  const skills =
    skillNames.length > 0 ? [...syncSkills({ repoRoot: root, names: skillNames, dryRun: true }).changed] : [];

  // What stays out of git in personal mode (this clone only: .git/info/exclude is never shared).
  const excludePath = join(layout.commonDir, 'info', 'exclude');
  const excluded =
    mode === 'personal' ? await personalExcludes(root, wrappers, found?.file, skillNames) : undefined;
  const excludeBefore = read(excludePath) ?? '';
  const excludeAfter = mergeExclude(excludeBefore, excluded);
  if (excludeAfter !== excludeBefore) {
    files.push({
      path: excludePath,
      action: existsSync(excludePath) ? 'update' : 'create',
      content: excludeAfter,
    });
  }

  // Claude Code: the guard's entries in the mode's settings file, and out of the other one.
  const entries = guardHookEntries({
    nodePath: options.nodePath,
    binPath: options.binPath,
    portable: mode === 'team',
  });
  const target = mode === 'personal' ? '.claude/settings.local.json' : '.claude/settings.json';
  const other = mode === 'personal' ? '.claude/settings.json' : '.claude/settings.local.json';
  // Claude Code's own engines: permission rules and the sandbox, from the control places and the config.
  const sandbox = sandboxOptions(config);
  const home = process.env.HOME || homedir();
  const created = wrappers && hooksHere ? ['.git/factory-hooks', '.git/factory-hooks.config'] : [];
  const owned = ownedClaudeSettings(root, home, sandbox, created);
  const claude = { ...owned, file: target };
  const previousRecord = readControlRecord(root);
  const previous = previousRecord?.claude;
  // A new worktree starts from the main worktree's settings (its permissions, its sandbox), as it is.
  const targetText = read(join(root, target)) ?? (linked ? read(join(mainRoot, target)) : undefined);
  const merged = serializeSettings(
    mergeSettings(parseSettings(targetText, join(root, target)), entries, owned, previous),
  );
  plan(target, merged);
  const otherText = read(join(root, other));
  if (otherText !== undefined) {
    const cleaned = serializeSettings(
      mergeSettings(parseSettings(otherText, join(root, other)), undefined, owned, previous),
    );
    if (cleaned !== serializeSettings(parseSettings(otherText, join(root, other)))) plan(other, cleaned);
  }
  if (sandbox.enabled) {
    const missing = missingSandboxTools();
    if (missing.length > 0) notes.push(messages.initSandboxToolsMissing(missing.join(' and ')));
  }
  const claudeVersion = claudeCodeVersion();
  if (claudeVersion && versionBelow(claudeVersion, minimumClaudeCodeVersion))
    notes.push(messages.initClaudeOutdated(claudeVersion, minimumClaudeCodeVersion));

  // Team mode with a package.json: every clone installs husky's dispatch folder on npm install.
  if (mode === 'team' && existsSync(join(root, 'package.json'))) {
    const packageChange = teamPackageJson(root);
    if (packageChange) plan('package.json', packageChange);
  }
  if (mode === 'personal' && recordedMode === 'team') notes.push(messages.initToPersonal);
  if (implicitTeam) {
    // Without an explicit --team, init in a team's clone changes nothing committed: the team updates the
    // committed setup on purpose, with factory init --team.
    const relativePaths = files.filter((f) => !f.path.startsWith('/')).map((f) => f.path);
    const tracked = new Set(await trackedFiles(root, relativePaths));
    const kept = files.filter((f) => tracked.has(f.path));
    for (const change of kept) files.splice(files.indexOf(change), 1);
    if (kept.length > 0) notes.push(messages.initTeamCloneKept(kept.map((f) => f.path)));
  }
  if (mode === 'team') notes.push(messages.initTeamCommit);

  const hooksPath = hooksPathFor(mainRoot, mode, wrappers, dispatchDir);
  // Where husky's install runs (npm install, "prepare"), it sets core.hooksPath = .husky/_ in .git/config
  // each time: beside a team's husky, and in team mode (a relative path a new worktree cannot follow).
  // There the value comes from a file included at the end of .git/config (see dispatchConfig).
  const viaInclude = hooksHere && (wrappers || mode === 'team');
  if (viaInclude) {
    const includeFile = join(layout.commonDir, dispatchConfigFile);
    const includeText = dispatchConfig(hooksPath);
    if (read(includeFile) !== includeText) {
      files.push({
        path: includeFile,
        action: existsSync(includeFile) ? 'update' : 'create',
        content: includeText,
      });
    }
  }
  const configChanges = [
    ...(viaInclude ? [] : [{ key: 'core.hooksPath', value: hooksPath }]),
    { key: 'factory.mode', value: mode },
    { key: 'factory.node', value: options.nodePath },
    { key: 'factory.bin', value: options.binPath },
    ...(situation.customHooksPath
      ? [{ key: 'factory.chainedHooksPath', value: situation.customHooksPath }]
      : []),
  ].filter(({ key, value }) => gitConfig.get(key) !== value);
  // From now on a missing control record is tamper, not an install from before the record: the mark in this
  // worktree's own git folder (control-record.ts), which replaces factory 0.1.0's key in the shared config.
  const markPath = join(layout.gitDir, recordedMarkName);
  if (read(markPath) !== recordedMarkText) {
    files.push({
      path: markPath,
      action: existsSync(markPath) ? 'update' : 'create',
      content: recordedMarkText,
    });
  }
  const legacyMark = legacyRecordedConfigKey(root);
  const forgetLegacyMark = gitConfig.get(legacyMark) !== undefined ? legacyMark : undefined;
  // The record is rewritten after any change, and when what is on disk no longer matches it (a human
  // changed the config: running init is how they say so).
  const changesAnything =
    files.length > 0 ||
    wrapperFiles.length > 0 ||
    configChanges.length > 0 ||
    forgetLegacyMark !== undefined ||
    !huskyReady ||
    pruneStubs.length > 0;
  const record =
    changesAnything ||
    previousRecord === undefined ||
    !sameRecord(previousRecord, computeControlRecord(root, claude, previousRecord));

  const includes = gitConfig.getAll('include.path');
  const include = viaInclude && !includes.includes(dispatchConfigFile) ? dispatchConfigFile : undefined;
  return {
    ...(include ? { include } : {}),
    root,
    gitDir: layout.gitDir,
    commonDir: layout.commonDir,
    linked,
    nodePath: options.nodePath,
    binPath: options.binPath,
    mode,
    preset,
    files: [...files, ...wrapperFiles],
    gitConfig: configChanges,
    ...(forgetLegacyMark ? { forgetLegacyMark } : {}),
    husky: !huskyReady,
    createState: !existsSync(stateDbPath(root)),
    updateLockFile:
      files.some((f) => f.path === 'package.json') && existsSync(join(root, 'package-lock.json')),
    pruneStubs,
    skills,
    skillNames,
    chained: situation.chain.map((hook) => `${hook.name} (${hook.manager}: ${hook.path})`),
    notes,
    claude,
    record,
  };
}

/** The config's `sandbox` section (its schema fragment fills in the defaults). */
function sandboxOptions(config: FactoryConfig): SandboxOptions {
  const section = configSection<{ enabled?: boolean; network?: { allowedDomains?: string[] } } | undefined>(
    config,
    'sandbox',
  );
  return {
    enabled: section?.enabled !== false,
    allowedDomains: section?.network?.allowedDomains ?? [],
  };
}

function mainConfigFile(mainRoot: string): string | undefined {
  return findConfigFile({ cwd: mainRoot, stopDir: mainRoot })?.file;
}

/** A committed team setup: a tracked `.husky/pre-commit` that calls factory, or tracked settings with the guard. */
async function committedTeamSetup(root: string): Promise<boolean> {
  const tracked = await trackedFiles(root, ['.husky/pre-commit', '.claude/settings.json']);
  for (const path of tracked) {
    const text = read(join(root, path)) ?? '';
    if (path === '.husky/pre-commit' && hasBlock(text) && text.includes('gate pre-commit')) return true;
    if (path === '.claude/settings.json' && text.includes(`: ${factoryEntryMarker};`)) return true;
  }
  return false;
}

/** The preset a config builds on: its first `extends` that names a preset, else the detected one. */
function presetOf(config: FactoryConfig, fallback: string): string {
  const refs =
    config.extends === undefined ? [] : ([] as string[]).concat(config.extends as string | string[]);
  return refs.find((ref) => presetFile(ref) !== undefined) ?? fallback;
}

/**
 * core.hooksPath points at the main worktree's `.husky/_` absolutely, so that every worktree of the clone
 * is gated (a new worktree has no `.husky/_` of its own: husky's dispatch is never committed). It is this
 * clone's own git config, so no machine path is committed. With a team's own husky wrapped in personal
 * mode, husky's relative convention stays.
 */
function hooksPathFor(mainRoot: string, mode: InitMode, wrappers: boolean, dispatchDir: string): string {
  return mode === 'personal' && wrappers ? dispatchDir : join(mainRoot, '.husky', '_');
}

/** factory's own hook folder beside a team's husky (personal mode): in the shared git folder. */
export function factoryDispatchDir(commonDir: string): string {
  return join(commonDir, 'factory-hooks');
}

/** The git config file, included from .git/config, that sets core.hooksPath (team mode, a team's husky). */
export const dispatchConfigFile = 'factory-hooks.config';

/**
 * Included at the end of .git/config, so its core.hooksPath wins over the one in .git/config itself, which
 * husky's install sets to `.husky/_` on every npm install: factory's gates keep running.
 */
function dispatchConfig(hooksPath: string): string {
  const quoted = hooksPath.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  return `# written by factory init: read after .git/config's own core.hooksPath, which husky's install resets (docs/init.md)\n[core]\n\thooksPath = "${quoted}"\n`;
}

/** The top of the main worktree: where the shared `.git` folder is (the worktree itself in a bare setup). */
function mainWorktreeRoot(layout: RepoLayout): string {
  return basename(layout.commonDir) === '.git' ? dirname(layout.commonDir) : layout.root;
}

async function personalExcludes(
  root: string,
  wrappers: boolean,
  configFile: string | undefined,
  skillNames: readonly string[],
): Promise<string[]> {
  const paths = ['/.factory/', '/.claude/settings.local.json'];
  // What git tracks of the skills folder and of the config file, in one git call (ls-files lists every
  // tracked file at or below each path given).
  const configPath = configFile ? relative(root, configFile) : undefined;
  const tracked = await trackedFiles(root, [
    ...(skillNames.length > 0 ? ['.claude/skills'] : []),
    ...(configPath ? [configPath] : []),
  ]);
  // The skills factory installs, folder by folder: never all of .claude/skills/, where a team may keep and
  // add its own. A skill folder the repository already tracks is the team's business and stays visible.
  const untrackedSkills = skillNames.filter(
    (name) => !tracked.some((path) => path.startsWith(`.claude/skills/${name}/`)),
  );
  for (const name of untrackedSkills) paths.push(`/.claude/skills/${name}/`);
  if (untrackedSkills.length > 0) paths.push('/.claude/skills/.factory-skills.json');
  if (!wrappers) paths.unshift('/.husky/');
  if (!configPath) paths.push(`/${defaultConfigFileName}`);
  else if (!tracked.some((path) => path === configPath || path.startsWith(`${configPath}/`))) {
    paths.push(`/${configPath}`);
  }
  return paths;
}

/** The config text with a machine-absolute `$schema` replaced (or removed); undefined when it has none. */
function portableSchema(text: string, reference: string | undefined): string | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const schema = parsed.$schema;
  if (
    typeof schema !== 'string' ||
    !(schema.startsWith('/') || /^[A-Za-z]:[\\/]/.test(schema) || schema.startsWith('file:'))
  ) {
    return undefined;
  }
  const { $schema: _dropped, ...rest } = parsed;
  const next = reference ? { $schema: reference, ...rest } : rest;
  const indent = /^\{\n(\s+)"/.exec(text)?.[1] ?? '  ';
  return `${JSON.stringify(next, null, indent)}\n`;
}

/** `$schema` for the written config: the shipped schema file (editors read it from disk). */
function schemaReference(root: string, mode: InitMode): string | undefined {
  // factory as a dev dependency of the project: its packed package, or the workspace's core package.
  for (const shipped of ['code-factory-cli/schema', '@factory/core/schema']) {
    if (existsSync(join(root, 'node_modules', shipped, 'factory.schema.json'))) {
      return `./node_modules/${shipped}/factory.schema.json`;
    }
  }
  return mode === 'personal' ? configSchemaPath() : undefined;
}

/** The hooks factory writes: its gates, plus every earlier hook of any name, chained. */
function planHooks(
  layout: RepoLayout,
  situation: HookSituation,
  config: FactoryConfig,
  mode: InitMode,
): Map<string, HookPlan> {
  // commit-msg always: the message is scanned for secrets (a grep prefilter spares node on most commits).
  const names = new Set<string>([...gateHooks, 'commit-msg']);
  // Personal mode: what init writes is untracked, so a new worktree would start without config, guard
  // and skills; post-checkout (run by git worktree add) sets it up like the main one.
  if (mode === 'personal') names.add('post-checkout');
  const chains = new Map<string, string[]>();
  for (const hook of situation.chain) {
    names.add(hook.name);
    const inGitDir = hook.path.startsWith(join(layout.commonDir, 'hooks'));
    const word =
      mode === 'personal'
        ? shellQuote(hook.path)
        : inGitDir
          ? `"$(git rev-parse --git-common-dir)/hooks/${hook.name}"`
          : shellQuote(relative(layout.root, hook.path));
    chains.set(hook.name, [...(chains.get(hook.name) ?? []), word]);
  }
  const plans = new Map<string, HookPlan>();
  for (const name of huskyHookNames) {
    if (!names.has(name)) continue;
    plans.set(name, {
      name,
      gate: (gateHooks as readonly string[]).includes(name) || name === 'commit-msg',
      setUpWorktree: mode === 'personal' && name === 'post-checkout',
      chain: chains.get(name) ?? [],
      ...(name === 'commit-msg' && !config.gates.commitMsg.pattern ? { prefilter: messagePrefilter } : {}),
    });
  }
  return plans;
}

function teamPackageJson(root: string): string | undefined {
  const file = join(root, 'package.json');
  const text = read(file) ?? '';
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new FactoryError(messages.initPackageJsonInvalid(file, (error as Error).message), ExitCode.usage);
  }
  const scripts = { ...((pkg.scripts as Record<string, string> | undefined) ?? {}) };
  const deps = { ...((pkg.dependencies as Record<string, string> | undefined) ?? {}) };
  const devDeps = { ...((pkg.devDependencies as Record<string, string> | undefined) ?? {}) };
  const prepare = scripts.prepare;
  if (!prepare) scripts.prepare = 'husky';
  else if (!/\bhusky\b/.test(prepare)) scripts.prepare = `${prepare} && husky`;
  if (!deps.husky && !devDeps.husky) devDeps.husky = '^9.1.7';
  const next = { ...pkg, scripts, devDependencies: devDeps };
  const indent = /^\{\n(\s+)"/.exec(text)?.[1] ?? '  ';
  const out = `${JSON.stringify(next, null, indent)}\n`;
  return out === text ? undefined : out;
}

function writeAtomically(path: string, content: string, executable: boolean): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.factory-${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: executable ? 0o755 : 0o644 });
  if (executable) chmodSync(tmp, 0o755);
  renameSync(tmp, path);
}

/**
 * Tamper evidence's repair is the human's: init run inside an agent session (the agent's Bash tool, a
 * script it wrote, `factory sweep --fix` it started) in a worktree whose control files differ from the
 * record refuses before it writes anything, since rewriting the record would take the agent's change on
 * as good. The guard refuses the call first (it refuses every call while the files differ); this holds
 * where the guard is not asked. Without tamper, init only writes what it would write anyway.
 */
export function refuseAgentRecording(root: string, env: NodeJS.ProcessEnv): void {
  const marker = agentSessionMarker(env);
  if (marker === undefined) return;
  const tampered = checkControlFiles(root);
  if (tampered && tampered.length > 0)
    throw new FactoryError(
      messages.initTamperedInAgentSession(describeTamper(tampered), marker),
      ExitCode.refused,
    );
}

/**
 * Carries a plan out: husky's dispatch folder first (it rewrites its stubs), then the files, then git config.
 * Every change goes through the install record (record.ts), which `factory uninstall` reverses: write
 * anything new that init installs through `recorder` too.
 */
export async function applyInit(plan: InitPlan, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  refuseAgentRecording(plan.root, env);
  const { InstallRecorder } = await import('./record.js');
  const recorder = new InstallRecorder(plan.root, plan.gitDir);
  const localBefore = localGitConfig(plan.root);
  const setConfig = (key: string, value: string) => {
    const section = key.slice(0, key.lastIndexOf('.')).toLowerCase();
    const sectionExisted = [...localBefore.keys()].some((k) => k.startsWith(`${section}.`));
    recorder.gitConfig(key, localBefore.get(key.toLowerCase()), value, sectionExisted);
  };
  try {
    if (plan.husky) {
      const dispatch = join(plan.root, '.husky', '_');
      const written = ['.gitignore', 'h', 'husky.sh', ...huskyHookNames].map((name) => join(dispatch, name));
      for (const file of written) recorder.before(file);
      // husky sets core.hooksPath itself: record the value it had before.
      setConfig('core.hooksPath', '.husky/_');
      await installHusky(plan.root);
      for (const file of written) recorder.after(file);
    }
    for (const stub of plan.pruneStubs) {
      recorder.before(join(plan.root, stub));
      rmSync(join(plan.root, stub), { force: true });
      recorder.after(join(plan.root, stub));
    }
    for (const change of plan.files) {
      const full = change.path.startsWith('/') ? change.path : join(plan.root, change.path);
      recorder.before(full);
      if (change.action === 'delete') rmSync(full, { force: true });
      else writeAtomically(full, change.content ?? '', change.executable ?? false);
      recorder.after(full);
    }
    if (plan.updateLockFile) {
      const lock = join(plan.root, 'package-lock.json');
      recorder.before(lock);
      updateLockFile(plan.root);
      recorder.after(lock);
    }
    if (plan.include) {
      // Added last in .git/config: read after [core], its core.hooksPath is the one git uses.
      recorder.record.include = plan.include;
      const out = gitRaw(plan.root, ['config', '--local', '--add', 'include.path', plan.include]);
      if (out.status !== 0)
        throw new FactoryError(
          messages.initGitConfigFailed('include.path', out.stderr.trim()),
          ExitCode.usage,
        );
    }
    for (const { key, value } of plan.gitConfig) {
      setConfig(key, value);
      const out = gitRaw(plan.root, ['config', key, value]);
      if (out.status !== 0)
        throw new FactoryError(messages.initGitConfigFailed(key, out.stderr.trim()), ExitCode.usage);
    }
    // Not through the recorder: uninstall has nothing to give back (the mark file took its place).
    if (plan.forgetLegacyMark) gitRaw(plan.root, ['config', '--local', '--unset-all', plan.forgetLegacyMark]);
    if (plan.skills.length > 0) {
      const { syncSkills, installedSkillsDir, MANIFEST_FILE } = await import('../skills/sync.js');
      const skillsDir = installedSkillsDir(plan.root);
      const manifestFile = join(skillsDir, MANIFEST_FILE);
      for (const name of plan.skills) recorder.folders(join(skillsDir, name));
      recorder.before(manifestFile);
      const result = syncSkills({ repoRoot: plan.root, names: plan.skillNames });
      recorder.after(manifestFile);
      for (const skill of result.skills) {
        if (skill.action === 'installed') recorder.skillInstalled(skill.name, skill.shippedHash);
      }
    }
    if (plan.createState) {
      const dbPath = stateDbPath(plan.root);
      if (!existsSync(dirname(dbPath))) recorder.record.stateCreated = dirname(dbPath);
      const { StateStore } = await import('@factory/core/state/store');
      const { coreSchema } = await import('@factory/core/state/migrations/index');
      const { gatesSchema } = await import('../state/migrations/index.js');
      StateStore.open({ path: dbPath, schemas: [coreSchema, gatesSchema] }).close();
    }
  } finally {
    recorder.save();
  }
  // Last: the record of what init left, which the guard and the gates compare against from now on.
  if (plan.record) writeControlRecord(plan.root, computeControlRecord(plan.root, plan.claude));
}

/**
 * `npm ci` refuses a package.json that its package-lock.json does not match: after adding husky, npm
 * writes the lock file (from its cache or the registry; no install, no scripts).
 */
function updateLockFile(root: string): void {
  const result = spawnSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: root, encoding: 'utf8', env: process.env },
  );
  if (result.error || result.status !== 0) {
    const reason =
      result.error?.message ?? (result.stderr.trim().split('\n').pop() || `exit ${result.status}`);
    throw new FactoryError(messages.initLockFileFailed(reason), ExitCode.usage);
  }
}

/** The repository's own git config (not global or system), keys lower-cased: what uninstall restores. */
function localGitConfig(root: string): Map<string, string> {
  const out = gitRaw(root, ['config', '--local', '--list', '-z']);
  const values = new Map<string, string>();
  if (out.status !== 0) return values;
  for (const entry of out.stdout.toString('utf8').split('\0')) {
    if (!entry) continue;
    const newline = entry.indexOf('\n');
    const key = (newline === -1 ? entry : entry.slice(0, newline)).toLowerCase();
    values.set(key, newline === -1 ? '' : entry.slice(newline + 1));
  }
  return values;
}

/** husky's own installer (its Node API). It reports failure as a returned string, never by throwing. */
async function installHusky(root: string): Promise<void> {
  const { default: husky } = await import('husky');
  const previous = process.cwd();
  const huskyEnv = process.env.HUSKY;
  process.chdir(root);
  try {
    delete process.env.HUSKY; // HUSKY=0 would make it skip silently
    const failure = husky('.husky');
    if (failure) throw new FactoryError(messages.initHuskyFailed(failure), ExitCode.usage);
  } finally {
    process.chdir(previous);
    if (huskyEnv !== undefined) process.env.HUSKY = huskyEnv;
  }
}

/** One line per change, for --dry-run and for the confirmation prompt. */
export function describePlan(plan: InitPlan): string[] {
  const lines: string[] = [];
  const rel = (path: string) => (path.startsWith('/') ? relative(plan.root, path) : path);
  if (plan.husky) lines.push(`install .husky/_/ (husky's hook dispatch)`);
  if (plan.pruneStubs.length > 0 && !plan.husky) {
    for (const stub of plan.pruneStubs) lines.push(`delete ${stub} (no hook uses it)`);
  }
  for (const change of plan.files) lines.push(`${change.action} ${rel(change.path)}`);
  for (const { key, value } of plan.gitConfig) lines.push(`git config ${key} ${shellQuote(value)}`);
  if (plan.forgetLegacyMark)
    lines.push(
      `git config --unset ${plan.forgetLegacyMark} (factory 0.1.0's mark, now a file in the git folder)`,
    );
  if (plan.include)
    lines.push(
      `git config --add include.path ${plan.include} (core.hooksPath that npm install cannot reset)`,
    );
  for (const skill of plan.skills) lines.push(`install skill .claude/skills/${skill}`);
  if (plan.createState) lines.push('create .factory/state.db');
  if (plan.record) lines.push('record the control files in .factory/control.json');
  return lines;
}
