import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { RepoContext } from './repo.js';

/** The hooks husky's `.husky/_` dispatches: the ones a chain can keep running. */
export const huskyHookNames = [
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-rebase',
  'post-rewrite',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-auto-gc',
] as const;

/** A hook that was running before factory: it keeps running, called from factory's hook of that name. */
export interface ExistingHook {
  readonly name: string;
  /** Absolute path of the executable. */
  readonly path: string;
  /** Who wrote it, when recognisable. */
  readonly manager: 'lefthook' | 'pre-commit' | 'prek' | 'husky' | 'plain';
}

export interface HookSituation {
  /** core.hooksPath as set now (undefined: git's default, `.git/hooks`). */
  readonly hooksPath?: string;
  /** True when husky is (or factory was) installed: `.husky/` with hook scripts or hooksPath `.husky/_`. */
  readonly husky: boolean;
  /** Husky's own user scripts (`.husky/<hook>`) that are tracked by git (a team's husky setup). */
  readonly huskyScripts: string[];
  /** Hooks outside husky to chain: `.git/hooks/*` and a custom hooksPath's hooks. */
  readonly chain: ExistingHook[];
  /** Hook-manager configs whose hooks are not installed (they are not running now). */
  readonly dormantManagers: string[];
  /** A custom hooksPath (not husky's) whose hooks are chained. */
  readonly customHooksPath?: string;
  /** Hook names in the old hooks folder that husky cannot dispatch: they would stop running. */
  readonly unchainable: string[];
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function managerOf(path: string): ExistingHook['manager'] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8').slice(0, 4000);
  } catch {
    return 'plain';
  }
  if (/lefthook/i.test(text)) return 'lefthook';
  if (/\bprek\b/.test(text)) return 'prek';
  if (/pre-commit\.com|pre_commit|hook-impl/.test(text)) return 'pre-commit';
  return 'plain';
}

function hooksIn(dir: string): ExistingHook[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.endsWith('.sample') && !name.startsWith('.'))
    .map((name) => join(dir, name))
    .filter(isExecutable)
    .map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1), path, manager: managerOf(path) }));
}

const lefthookConfigs = [
  'lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yml',
  '.lefthook.yaml',
  'lefthook.json',
  'lefthook.toml',
];
const preCommitConfigs = ['.pre-commit-config.yaml', '.pre-commit-config.yml'];

/** Hook paths that are factory's own (husky's dispatch folder, or factory's folder beside a team's husky). */
export function isHuskyHooksPath(value: string | undefined, root: string): boolean {
  if (!value) return false;
  const abs = isAbsolute(value) ? value : resolve(root, value);
  return (
    abs === join(root, '.husky', '_') ||
    abs === join(root, '.husky') ||
    /\/\.husky\/_\/?$/.test(abs) ||
    // factory's own hook folder beside a team's husky (in the git folder; see init's factoryDispatchDir)
    /\/factory-hooks\/?$/.test(abs)
  );
}

export function detectHooks({ layout, config }: RepoContext): HookSituation {
  const { root, commonDir } = layout;
  const hooksPath = config.get('core.hooksPath');
  const chainedBefore = config.get('factory.chainedHooksPath');
  const huskyDir = join(root, '.husky');
  const huskyScripts = existsSync(huskyDir)
    ? readdirSync(huskyDir).filter((name) => (huskyHookNames as readonly string[]).includes(name))
    : [];
  const husky = isHuskyHooksPath(hooksPath, root) || huskyScripts.length > 0;

  const chain = hooksIn(join(commonDir, 'hooks'));
  let customHooksPath: string | undefined;
  const custom = hooksPath && !isHuskyHooksPath(hooksPath, root) ? hooksPath : chainedBefore;
  if (custom) {
    customHooksPath = custom;
    chain.push(...hooksIn(isAbsolute(custom) ? custom : resolve(root, custom)));
  }
  const dormantManagers: string[] = [];
  const managersRunning = new Set(chain.map((hook) => hook.manager));
  if (lefthookConfigs.some((f) => existsSync(join(root, f))) && !managersRunning.has('lefthook')) {
    dormantManagers.push('lefthook');
  }
  if (
    preCommitConfigs.some((f) => existsSync(join(root, f))) &&
    !managersRunning.has('pre-commit') &&
    !managersRunning.has('prek')
  ) {
    dormantManagers.push('pre-commit/prek');
  }
  const unchainable = chain
    .map((hook) => hook.name)
    .filter((name) => !(huskyHookNames as readonly string[]).includes(name));
  return {
    ...(hooksPath ? { hooksPath } : {}),
    husky,
    huskyScripts,
    chain: chain.filter((hook) => (huskyHookNames as readonly string[]).includes(hook.name)),
    dormantManagers,
    ...(customHooksPath ? { customHooksPath } : {}),
    unchainable,
  };
}
