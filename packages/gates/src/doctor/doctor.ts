import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { installedPackageName } from '@factory/core/config/control-files';
import { findConfigFile, loadConfig } from '@factory/core/config/load';
import type { FactoryConfig } from '@factory/core/config/types';
import { isFactoryError } from '@factory/core/errors';
import { stateDbPath } from '@factory/core/paths';
import { missingTools } from '../gate/tools.js';
import {
  factoryEntryMarker,
  guardedTools,
  guardMatcher,
  mcpToolPattern,
  minimumClaudeCodeVersion,
} from '../guard/hook-entries.js';
import { hasFactoryGuard } from '../install/claude-settings.js';
import { claudeCodeVersion, missingSandboxTools, versionBelow } from '../install/claude-version.js';
import { checkControlFiles, describeTamper } from '../install/control-record.js';
import { blockStart, huskyStub, referenceTransactionHook } from '../install/hook-script.js';
import { factoryDispatchDir } from '../install/init.js';
import { detectHooks } from '../install/managers.js';
import { type RepoContext, readRepoContext } from '../install/repo.js';
import { messages } from '../messages.js';
import { findOnPath } from '../secrets/gitleaks.js';

/** One way the gates or the guard could silently not run, with its fix. */
export interface DoctorFinding {
  readonly id: string;
  readonly problem: string;
  readonly fix: string;
}

/** The packages whose bin is factory: the workspace's and the one installed from the registry. */
const factoryPackages = new Set(['@factory/cli', installedPackageName]);

/**
 * Where `bin` leads when that is not a factory package (a link to /bin/true, a script of its own), or
 * undefined when it is factory's or does not exist.
 */
function foreignBin(bin: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(bin);
  } catch {
    return undefined;
  }
  for (let dir = dirname(target); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = read(join(dir, 'package.json'));
    if (manifest === undefined) continue;
    try {
      const name = (JSON.parse(manifest) as { name?: unknown }).name;
      return typeof name === 'string' && factoryPackages.has(name) ? undefined : target;
    } catch {
      return target;
    }
  }
  return target;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Paths a personal hook embeds: `if [ ! -x 'NODE' ] || [ ! -f 'BIN' ]`. */
function embeddedPaths(script: string): { node: string; bin: string } | undefined {
  const match = /if \[ ! -x '([^']+)' \] \|\| \[ ! -f '([^']+)' \]/.exec(script);
  return match ? { node: match[1]!, bin: match[2]! } : undefined;
}

/** Where lefthook's stub looks for lefthook: LEFTHOOK_BIN, PATH, the paths written into it, node_modules. */
function lefthookReachable(root: string, stub: string, env: NodeJS.ProcessEnv): boolean {
  if (env.LEFTHOOK_BIN && existsSync(env.LEFTHOOK_BIN)) return true;
  if (findOnPath('lefthook', env)) return true;
  for (const match of stub.matchAll(/(\/[^\s"']*lefthook[^\s"']*) -h/g))
    if (existsSync(match[1]!)) return true;
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  return [
    `node_modules/lefthook-${process.platform}-${arch}/bin/lefthook`,
    'node_modules/lefthook/bin/index.js',
    `node_modules/@evilmartians/lefthook/bin/lefthook-${process.platform}-${arch}/lefthook`,
  ].some((path) => existsSync(join(root, path)));
}

/** factory's own hook folder (beside a team's husky), wherever the shared git folder is. */
function ours(dispatch: string): boolean {
  return dispatch.replace(/\/+$/, '') === factoryDispatchDir(dirname(dispatch.replace(/\/+$/, '')));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What factory's PreToolUse entry in these settings leaves out: tools its matcher does not name, or no
 * `onFailure: "block"` (an install from before both). Undefined when it is complete or not there at all.
 */
function guardGaps(settings: Record<string, unknown>): string | undefined {
  const hooks = isObject(settings.hooks) ? settings.hooks : {};
  const groups = Array.isArray(hooks.PreToolUse) ? hooks.PreToolUse : [];
  for (const group of groups) {
    if (!isObject(group) || !Array.isArray(group.hooks)) continue;
    const entry = group.hooks.find(
      (hook) =>
        isObject(hook) &&
        typeof hook.command === 'string' &&
        hook.command.includes(`: ${factoryEntryMarker};`),
    ) as Record<string, unknown> | undefined;
    if (!entry) continue;
    const gaps: string[] = [];
    if (group.matcher !== guardMatcher) {
      const matcher = typeof group.matcher === 'string' ? group.matcher : '';
      const named = new Set(matcher.replace(/^\^\(|\)\$$/g, '').split('|'));
      gaps.push(...[...guardedTools, mcpToolPattern].filter((tool) => !named.has(tool)));
    }
    if (entry.onFailure !== 'block') gaps.push('no onFailure: block');
    return gaps.length > 0 ? gaps.join(', ') : undefined;
  }
  return undefined;
}

/**
 * Every state in which a hook would not run, or would run without factory, or the guard would let tool
 * calls through. Each finding says what is wrong and the command that fixes it.
 */
export async function runDoctor(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  /** What git says about the repository at `cwd`, when the caller has read it already (the sweep). */
  known?: RepoContext,
): Promise<DoctorFinding[]> {
  // Every git config key below is answered from this one read (and the layout from one rev-parse).
  const repo = known ?? (await readRepoContext(cwd));
  const { root } = repo.layout;
  const findings: DoctorFinding[] = [];
  const add = (id: keyof typeof messages.doctor, ...args: string[]) => {
    const entry = messages.doctor[id] as (...a: string[]) => { problem: string; fix: string };
    findings.push({ id, ...entry(...args) });
  };

  // The config first (commit-msg always exists: it scans the message for secrets).
  let config: FactoryConfig | undefined;
  try {
    config = (await loadConfig({ cwd: root, stopDir: root })).config;
  } catch (error) {
    if (!isFactoryError(error)) throw error;
    add('configInvalid', error.message);
  }
  const gateHooks = ['pre-commit', 'pre-push', 'commit-msg'];
  // A linked worktree that missed its set-up (made with hooks off, or before factory installed post-checkout):
  // no config and no guard of its own, while the main worktree has them.
  const { commonDir } = repo.layout;
  const mainRoot = basename(commonDir) === '.git' ? dirname(commonDir) : root;
  if (mainRoot !== root && repo.config.get('factory.mode') !== 'team') {
    const own = findConfigFile({ cwd: root, stopDir: root });
    if (!own && findConfigFile({ cwd: mainRoot, stopDir: mainRoot })) add('worktreeNotSetUp', root, mainRoot);
  }
  // The programs the configured tasks and commands start.
  if (config) {
    for (const missing of missingTools(root, config, env)) {
      add('toolMissing', missing.tool, missing.where, missing.optional ? 'yes' : 'no');
    }
  }

  // Git hooks: is core.hooksPath ours, does the folder exist here, does each gate hook call factory?
  const hooksPath = repo.config.get('core.hooksPath');
  let dispatch: string | undefined;
  if (!hooksPath) add('hooksPathUnset');
  else {
    dispatch = isAbsolute(hooksPath) ? hooksPath : resolve(root, hooksPath);
    if (ours(dispatch)) {
      // factory's own folder beside a team's husky: husky's stubs must be there for the team's scripts.
      if (!existsSync(join(root, '.husky/_/h'))) add('huskyDispatchMissing', join(root, '.husky/_'));
    } else if (!/\.husky\/_\/?$/.test(dispatch)) add('hooksPathChanged', hooksPath);
    else if (!existsSync(join(dispatch, 'h'))) add('huskyDispatchMissing', dispatch);
  }
  if (env.HUSKY === '0') add('huskyDisabled');

  if (dispatch && (ours(dispatch) || existsSync(join(dispatch, 'h')))) {
    const huskyDir = resolve(dispatch, '..');
    for (const hook of gateHooks) {
      const stub = join(dispatch, hook);
      if (!existsSync(stub) || !executable(stub)) {
        add('hookStubMissing', stub);
        continue;
      }
      const wrapper = read(stub) ?? '';
      const script = read(join(huskyDir, hook));
      const calling = wrapper.includes(blockStart)
        ? wrapper
        : script?.includes(blockStart)
          ? script
          : undefined;
      if (!calling?.includes(`gate ${hook}`)) {
        // Personal mode beside a team's husky, set up by a release that wrapped husky's stub in place:
        // husky's install (npm install runs it) rewrote the stub, and with it factory's gate.
        if (
          repo.config.get('factory.mode') === 'personal' &&
          hooksPath?.replace(/\/$/, '') === '.husky/_' &&
          wrapper.trim() === huskyStub
        ) {
          add('huskyRewroteWrapper', hook, stub);
        } else add('gateNotCalled', hook, join(huskyDir, hook));
        continue;
      }
      // Written before a commit-msg pattern was set: the hook starts the gate only for secret-like messages.
      if (hook === 'commit-msg' && config?.gates.commitMsg.pattern && calling.includes('factory_filter')) {
        add('commitMsgFiltered', join(huskyDir, hook));
      }
      const paths = embeddedPaths(calling);
      if (paths) {
        if (!existsSync(paths.bin) || !executable(paths.node))
          add('binaryUnreachable', hook, paths.bin, paths.node);
      } else {
        const node = repo.config.get('factory.node');
        const bin = repo.config.get('factory.bin');
        const viaModules = existsSync(join(root, 'node_modules/.bin/factory'));
        const viaConfig = !!bin && existsSync(bin) && !!node && executable(node);
        const viaPath = !!findOnPath('factory', env);
        if (!viaModules && !viaConfig && !viaPath)
          add('binaryUnreachable', hook, bin ?? 'factory', node ?? 'node');
      }
    }
  }

  // The factory the team-mode hooks run first: a node_modules/.bin/factory replaced by something else.
  const foreign = foreignBin(join(root, 'node_modules/.bin/factory'));
  if (foreign) add('binaryForeign', 'node_modules/.bin/factory', foreign);

  // Other managers: hooks that exist but that factory's hooks do not chain never run (shadowed).
  const situation = detectHooks(repo);
  for (const hook of situation.chain) {
    const huskyScript = dispatch ? (read(join(resolve(dispatch, '..'), hook.name)) ?? '') : '';
    const wrapper = dispatch ? (read(join(dispatch, hook.name)) ?? '') : '';
    const chained =
      huskyScript.includes(hook.path) ||
      wrapper.includes(hook.path) ||
      huskyScript.includes(`hooks/${hook.name}"`) ||
      wrapper.includes(`hooks/${hook.name}"`);
    if (hooksPath && !chained) add('hookShadowed', hook.name, hook.manager, hook.path);
    // lefthook's stub exits 0 when it cannot find lefthook: the chained hook would pass without running.
    if (hook.manager === 'lefthook' && !lefthookReachable(root, read(hook.path) ?? '', env)) {
      add('lefthookUnreachable', hook.name, hook.path);
    }
  }
  for (const manager of situation.dormantManagers) add('managerDormant', manager);

  // The guard: factory's entries in Claude Code's settings, their bin reachable, hooks not disabled.
  const settingsFiles = ['.claude/settings.local.json', '.claude/settings.json'].map((f) => join(root, f));
  let guarded = false;
  const parsedSettings: Array<{ file: string; settings: Record<string, unknown> }> = [];
  for (const file of settingsFiles) {
    const text = read(file);
    if (text === undefined) continue;
    let settings: Record<string, unknown>;
    try {
      settings = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      add('settingsInvalid', file, (error as Error).message);
      continue;
    }
    parsedSettings.push({ file, settings });
    if (settings.disableAllHooks === true) add('hooksDisabled', file);
    if (hasFactoryGuard(settings)) {
      guarded = true;
      const bin = /'([^']+\/bin\.js)'/.exec(text)?.[1];
      const node = /-x '([^']+)'/.exec(text)?.[1];
      if (bin && !existsSync(bin)) add('guardUnreachable', file, bin);
      else if (node && !executable(node)) add('guardUnreachable', file, node);
    }
  }
  if (!guarded) add('guardMissing');
  for (const { file, settings } of parsedSettings) {
    const missing = guardGaps(settings);
    if (missing) add('guardIncomplete', file, missing);
  }

  // Claude Code's own engines: onFailure needs a recent Claude Code, the sandbox needs bwrap and socat.
  const claudeVersion = claudeCodeVersion(env);
  if (claudeVersion && versionBelow(claudeVersion, minimumClaudeCodeVersion))
    add('claudeCodeOutdated', claudeVersion, minimumClaudeCodeVersion);
  const sandboxed = parsedSettings.some(
    ({ settings }) => isObject(settings.sandbox) && settings.sandbox.enabled === true,
  );
  const missingSandbox = sandboxed ? missingSandboxTools(env) : [];
  if (missingSandbox.length > 0) add('sandboxToolsMissing', missingSandbox.join(' and '));

  // The point of effect: the reference-transaction hook, and the record of the control files.
  if (dispatch && (ours(dispatch) || existsSync(join(dispatch, 'h')))) {
    const hook = join(dispatch, referenceTransactionHook);
    if (!existsSync(hook) || !executable(hook)) add('refTransactionMissing', hook);
  }
  const tampered = checkControlFiles(root);
  // A linked worktree is gated through the main worktree's hooks; its own record comes with factory init
  // there (or the post-checkout set-up), so only the main worktree is told to record.
  if (tampered === undefined && root === mainRoot) add('controlUnrecorded');
  else if (tampered && tampered.length > 0) add('controlTampered', describeTamper(tampered));

  // State.
  const db = stateDbPath(root);
  if (!existsSync(db)) add('stateMissing', db);
  else {
    try {
      const { StateStore } = await import('@factory/core/state/store');
      const store = StateStore.open({ path: db });
      try {
        const integrity = store.integrityCheck();
        if (integrity !== 'ok') add('stateUnhealthy', db, integrity);
      } finally {
        store.close();
      }
    } catch (error) {
      add('stateUnhealthy', db, error instanceof Error ? error.message : String(error));
    }
  }
  return findings;
}
