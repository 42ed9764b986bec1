import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { findConfigFile } from '@factory/core/config/find';
import { loadConfig, resolveLayers } from '@factory/core/config/load';
import { defaultConfigFileName } from '@factory/core/config/places';
import { presetFile } from '@factory/core/config/presets';
import type { FactoryConfig } from '@factory/core/config/types';
import { configSchemaPath } from '@factory/core/config/validate';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { stateDbPath } from '@factory/core/paths';
import { gitRaw } from '../gate/git.js';
import { guardHookEntries, shellQuote } from '../guard/hook-entries.js';
import { messages } from '../messages.js';
import { findOnPath } from '../secrets/gitleaks.js';
import { mergeSettings, parseSettings, serializeSettings } from './claude-settings.js';
import { mergeExclude } from './exclude.js';
import {
  type HookPlan,
  hasBlock,
  hookBlock,
  huskyStub,
  huskyWrapperFile,
  type Locator,
  mergeBlock,
  ownedFileHeader,
  ownedHookFile,
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
  readonly mode: InitMode;
  readonly preset: string;
  readonly files: FileChange[];
  readonly gitConfig: Array<{ key: string; value: string }>;
  /** Husky's `.husky/_` dispatch folder must be (re)installed. */
  readonly husky: boolean;
  readonly createState: boolean;
  /** Husky stubs of hooks nothing uses, removed in personal mode: git runs every stub it finds, each costs a shell. */
  readonly pruneStubs: string[];
  /** Shipped skills of the preset to install or update in `.claude/skills/` (the skills module does it). */
  readonly skills: string[];
  readonly skillNames: readonly string[];
  /** Hooks of other managers that keep running, chained from factory's hooks. */
  readonly chained: string[];
  readonly notes: string[];
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
  const recordedMode = gitConfig.get('factory.mode');
  const mode: InitMode = options.mode ?? (recordedMode === 'team' ? 'team' : 'personal');
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
  } else {
    // A committed config must not carry one machine's path: team mode points into node_modules or omits it.
    const schema = schemaReference(root, mode);
    const fresh = { ...(schema ? { $schema: schema } : {}), extends: preset };
    config = resolveLayers(structuredClone(fresh), join(root, defaultConfigFileName)).config;
    plan(defaultConfigFileName, `${JSON.stringify(fresh, null, 2)}\n`);
  }

  // Tools the tasks and commands need: say now what would make every commit or push fail later.
  for (const tool of missingTools(root, config)) notes.push(messages.initToolMissing(tool));

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
  const hookPlans = planHooks(layout, situation, config, mode);
  let foreignHusky = false;
  for (const name of situation.huskyScripts) {
    const text = read(join(root, '.husky', name)) ?? '';
    if (!text.includes(ownedFileHeader) && (await isTracked(root, `.husky/${name}`))) {
      foreignHusky = true;
      break;
    }
  }
  const wrappers = mode === 'personal' && foreignHusky;
  for (const name of huskyHookNames) {
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
  const huskyReady =
    existsSync(join(root, '.husky/_/h')) &&
    gitConfig.get('core.hooksPath') === hooksPathFor(root, mode, wrappers) &&
    [...hookPlans.keys()].every((name) => existsSync(join(root, '.husky/_', name)));
  // Personal mode owns .husky/: keep only the stubs of hooks in use (git would start a shell for each of
  // the others on every commit: prepare-commit-msg, commit-msg, post-commit...).
  const pruneStubs =
    mode === 'personal' && !wrappers
      ? huskyHookNames
          .filter((name) => !hookPlans.has(name))
          .map((name) => `.husky/_/${name}`)
          .filter((path) => !huskyReady || existsSync(join(root, path)))
      : [];
  const wrapperFiles: FileChange[] = [];
  if (wrappers) {
    for (const [name, hook] of hookPlans) {
      const content = huskyWrapperFile(hook, locator);
      const path = `.husky/_/${name}`;
      // When husky (re)installs first it rewrites its stub here: compare with that.
      const before = huskyReady ? read(join(root, path)) : huskyStub;
      if (before !== content) {
        wrapperFiles.push({
          path,
          action: before === undefined ? 'create' : 'update',
          content,
          executable: true,
        });
      }
    }
  }

  // Skills of the preset, through the skills module (it keeps the user's edits unless told otherwise).
  const { syncSkills } = await import('../skills/sync.js');
  const { skillsForPreset } = await import('../skills/shipped.js');
  const skillNames = skillsForPreset(presetOf(config, preset)) ?? [];
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
  const targetText = read(join(root, target));
  const merged = serializeSettings(mergeSettings(parseSettings(targetText, join(root, target)), entries));
  plan(target, merged);
  const otherText = read(join(root, other));
  if (otherText !== undefined) {
    const cleaned = serializeSettings(mergeSettings(parseSettings(otherText, join(root, other)), undefined));
    if (cleaned !== serializeSettings(parseSettings(otherText, join(root, other)))) plan(other, cleaned);
  }

  // Team mode with a package.json: every clone installs husky's dispatch folder on npm install.
  if (mode === 'team' && existsSync(join(root, 'package.json'))) {
    const packageChange = teamPackageJson(root);
    if (packageChange) plan('package.json', packageChange);
  }
  if (mode === 'personal' && recordedMode === 'team') notes.push(messages.initToPersonal);
  if (mode === 'team') notes.push(messages.initTeamCommit);

  const hooksPath = hooksPathFor(root, mode, wrappers);
  const configChanges = [
    { key: 'core.hooksPath', value: hooksPath },
    { key: 'factory.mode', value: mode },
    { key: 'factory.node', value: options.nodePath },
    { key: 'factory.bin', value: options.binPath },
    ...(situation.customHooksPath
      ? [{ key: 'factory.chainedHooksPath', value: situation.customHooksPath }]
      : []),
  ].filter(({ key, value }) => gitConfig.get(key) !== value);

  return {
    root,
    mode,
    preset,
    files: [...files, ...wrapperFiles],
    gitConfig: configChanges,
    husky: !huskyReady,
    createState: !existsSync(stateDbPath(root)),
    pruneStubs,
    skills,
    skillNames,
    chained: situation.chain.map((hook) => `${hook.name} (${hook.manager}: ${hook.path})`),
    notes,
  };
}

/** First words of task and pre-push commands that are neither in node_modules/.bin nor on PATH. */
function missingTools(root: string, config: FactoryConfig): string[] {
  const commands = [
    ...Object.values(config.gates.preCommit.tasks).flatMap((c) => (typeof c === 'string' ? [c] : [...c])),
    ...config.gates.prePush.commands.map((c) => (typeof c === 'string' ? c : c.run)),
  ];
  const tools = new Set(
    commands.map((c) => c.trim().split(/\s+/)[0] ?? '').filter((t) => /^[\w.@/-]+$/.test(t)),
  );
  return [...tools].filter(
    (tool) =>
      !existsSync(join(root, 'node_modules', '.bin', tool)) && !findOnPath(tool) && !tool.includes('/'),
  );
}

/** The preset a config builds on: its first `extends` that names a preset, else the detected one. */
function presetOf(config: FactoryConfig, fallback: string): string {
  const refs =
    config.extends === undefined ? [] : ([] as string[]).concat(config.extends as string | string[]);
  return refs.find((ref) => presetFile(ref) !== undefined) ?? fallback;
}

/** Personal mode owns `.husky/` and points at it absolutely, so that every worktree of the clone is gated. */
function hooksPathFor(root: string, mode: InitMode, wrappers: boolean): string {
  return mode === 'personal' && !wrappers ? join(root, '.husky', '_') : '.husky/_';
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

/** `$schema` for the written config: the shipped schema file (editors read it from disk). */
function schemaReference(root: string, mode: InitMode): string | undefined {
  const local = join(root, 'node_modules/@factory/core/schema/factory.schema.json');
  if (existsSync(local)) return './node_modules/@factory/core/schema/factory.schema.json';
  return mode === 'personal' ? configSchemaPath() : undefined;
}

/** The hooks factory writes: its gates, plus every earlier hook of any name, chained. */
function planHooks(
  layout: RepoLayout,
  situation: HookSituation,
  config: FactoryConfig,
  mode: InitMode,
): Map<string, HookPlan> {
  const names = new Set<string>(gateHooks);
  if (config.gates.commitMsg.pattern) names.add('commit-msg');
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
      chain: chains.get(name) ?? [],
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

/** Carries a plan out: husky's dispatch folder first (it rewrites its stubs), then the files, then git config. */
export async function applyInit(plan: InitPlan): Promise<void> {
  if (plan.husky) await installHusky(plan.root);
  for (const stub of plan.pruneStubs) rmSync(join(plan.root, stub), { force: true });
  for (const change of plan.files) {
    const full = change.path.startsWith('/') ? change.path : join(plan.root, change.path);
    if (change.action === 'delete') rmSync(full, { force: true });
    else writeAtomically(full, change.content ?? '', change.executable ?? false);
  }
  for (const { key, value } of plan.gitConfig) {
    const out = gitRaw(plan.root, ['config', key, value]);
    if (out.status !== 0)
      throw new FactoryError(messages.initGitConfigFailed(key, out.stderr.trim()), ExitCode.usage);
  }
  if (plan.skills.length > 0) {
    const { syncSkills } = await import('../skills/sync.js');
    syncSkills({ repoRoot: plan.root, names: plan.skillNames });
  }
  if (plan.createState) {
    const { StateStore } = await import('@factory/core/state/store');
    const { coreSchema } = await import('@factory/core/state/migrations/index');
    const { gatesSchema } = await import('../state/migrations/index.js');
    StateStore.open({ path: stateDbPath(plan.root), schemas: [coreSchema, gatesSchema] }).close();
  }
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
  for (const skill of plan.skills) lines.push(`install skill .claude/skills/${skill}`);
  if (plan.createState) lines.push('create .factory/state.db');
  return lines;
}
