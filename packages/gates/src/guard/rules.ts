import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { controlWriters } from './control-writers.js';
import {
  type FileEffects,
  type FileTarget,
  fileEffects,
  GIT_SUBCOMMANDS,
  type GitInvocation,
  gitCalls as gitCallsOf,
  gitEnvironmentConfig,
  gitSubcommand,
  optionNameAtRunTime,
} from './effects.js';
import { externalEffects } from './external-effects.js';
import { factorySetup } from './factory-setup.js';
import { findSelection } from './find-selection.js';
import { type HomeStore, homeStoreWithin } from './home-stores.js';
import { packageJsonConfig } from './package-json-config.js';
import { patchWrites } from './patch-writes.js';
import {
  globBase,
  isInside,
  protectedGlobReason,
  protectedReason,
  secretGlobReason,
  secretReason,
} from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import { protectedBranchMoves } from './protected-branch-moves.js';
import { runsElsewhere } from './runs-elsewhere.js';
import { secretEnvironment } from './secret-environment.js';
import { secretGit } from './secret-git.js';
import { secretGitConfig, secretGitOutput } from './secret-git-output.js';
import { secretPrinters } from './secret-printers.js';
import { findSecrets } from './secrets.js';
import type { Arg, Invocation } from './shell/analyze.js';
import { notUnderstood, opaqueInlineCode } from './shell/programs.js';
import { OUTSIDE_TEMP, tempRemovalProblem } from './temp.js';

/**
 * The built-in rules. Each names what it refuses and the sanctioned alternative; the reason the model sees
 * is built from both (see engine.ts), so the agent knows what to do instead.
 */

const SHELL_TOOLS = ['Bash', 'PowerShell'];
const FILE_TOOLS = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Read'];

function invocations(input: RuleInput): readonly Invocation[] {
  return input.analysis?.invocations ?? [];
}

function opaqueMatches(input: RuleInput, regex: RegExp): Hit[] {
  return (input.analysis?.opaqueCode ?? [])
    .filter((code) => regex.test(code.code))
    .map((code) => ({
      detail: `${code.where} runs ${code.language} code that mentions ${regex.exec(code.code)![0]}`,
    }));
}

// ---- git argument scanning --------------------------------------------------------------------

interface GitScan {
  readonly shorts: Set<string>;
  readonly longs: string[];
  readonly positionals: Arg[];
  readonly afterDashDash: Arg[];
  /** Run-time words where an option could be: `git commit $FLAGS`. */
  readonly risky: Arg[];
}

function scanGit(rest: readonly Arg[], valueShort: string, valueLong: readonly string[]): GitScan {
  const scan: GitScan = { shorts: new Set(), longs: [], positionals: [], afterDashDash: [], risky: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const text = arg.value;
    if (text === undefined) {
      if (arg.dynamicStart || arg.split || optionNameAtRunTime(arg.raw)) scan.risky.push(arg);
      scan.positionals.push(arg);
      continue;
    }
    if (text === '--') {
      scan.afterDashDash.push(...rest.slice(i + 1));
      break;
    }
    if (text.startsWith('--')) {
      const name = text.split('=')[0]!;
      scan.longs.push(name);
      if (valueLong.includes(name) && !text.includes('=')) i++;
      continue;
    }
    if (text.startsWith('-') && text.length > 1) {
      for (let k = 1; k < text.length; k++) {
        const letter = text[k]!;
        scan.shorts.add(letter);
        if (valueShort.includes(letter)) {
          if (k === text.length - 1) i++;
          break;
        }
      }
      continue;
    }
    scan.positionals.push(arg);
  }
  return scan;
}

/** `--no-ver` is `--no-verify` to git (unique prefixes of long options are accepted). */
function longIs(longs: readonly string[], full: string, minimum: number): boolean {
  return longs.some((name) => name.length >= minimum && full.startsWith(name));
}

function gitCalls(input: RuleInput): GitInvocation[] {
  return gitCallsOf(invocations(input));
}

function riskyHit(call: GitInvocation, input: RuleInput): Hit {
  return {
    detail: `git ${call.git.subcommand ?? ''} has options only known at run time, so they may hide a bypass`,
    decision: input.config.unanalysable,
  };
}

const COMMIT_VALUES = {
  short: 'mFcCtSu',
  long: [
    '--message',
    '--file',
    '--reuse-message',
    '--reedit-message',
    '--fixup',
    '--squash',
    '--author',
    '--date',
    '--template',
    '--cleanup',
    '--trailer',
    '--pathspec-from-file',
  ],
};
const NO_VERIFY_SUBCOMMANDS = new Set([
  'commit',
  'merge',
  'push',
  'rebase',
  'am',
  'pull',
  'cherry-pick',
  'revert',
  'switch',
  'checkout',
]);

const noVerify: Rule = {
  id: 'no-verify',
  category: 'gate-skip',
  description: 'git --no-verify (and commit -n) skips the gates',
  decision: 'deny',
  alternative:
    'Run the git command without --no-verify / -n and fix what the gates report (factory gate pre-commit shows it)',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const call of gitCalls(input)) {
      const sub = call.git.subcommand;
      if (call.git.dynamic) {
        hits.push(riskyHit(call, input));
        continue;
      }
      if (!sub || !NO_VERIFY_SUBCOMMANDS.has(sub)) continue;
      const scan = scanGit(
        call.git.rest,
        sub === 'commit' ? COMMIT_VALUES.short : 'mXsoe',
        COMMIT_VALUES.long,
      );
      if (longIs(scan.longs, '--no-verify', 6))
        hits.push({ detail: `git ${sub} --no-verify skips the git hooks` });
      else if (sub === 'commit' && scan.shorts.has('n'))
        hits.push({ detail: 'git commit -n is --no-verify: it skips the git hooks' });
      else if (scan.risky.length > 0 && (sub === 'commit' || sub === 'push'))
        hits.push(riskyHit(call, input));
    }
    hits.push(...opaqueMatches(input, /--no-verify|\bcommit\s+-[a-zA-Z]{0,8}n\b/));
    return hits;
  },
};

const SKIP_VARIABLE =
  /^(HUSKY_SKIP_HOOKS|HUSKY_SKIP_INSTALL|LEFTHOOK_EXCLUDE|LEFTHOOK_SKIP|PRE_COMMIT_ALLOW_NO_CONFIG|GIT_CONFIG_COUNT|GIT_CONFIG_PARAMETERS|GIT_CONFIG_GLOBAL|GIT_CONFIG_SYSTEM|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|FACTORY_\w*(SKIP|NO_VERIFY|DISABLE|BYPASS|ALLOW|OFF)\w*)$/;

const GIT_SETTING_VARIABLE = /^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+)$/;

/**
 * Variables that choose or load code into the programs git's hooks start: node (the gate itself), the hook's
 * shell and the dynamic linker. Set on a command line that runs git, they make the gate something else
 * (`NODE_OPTIONS=--require /tmp/x.js git commit` runs /tmp/x.js inside the gate, which may exit 0).
 */
const HOOK_RUNTIME_VARIABLE =
  /^(NODE_OPTIONS|NODE_COMPILE_CACHE|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|LD_PRELOAD|LD_AUDIT|LD_LIBRARY_PATH|DYLD_INSERT_LIBRARIES|DYLD_LIBRARY_PATH|DYLD_FRAMEWORK_PATH|BASH_ENV|ENV|PATH)$/;
/** NODE_OPTIONS flags that load no code and change no module resolution. */
const HARMLESS_NODE_OPTION =
  /^(--max-old-space-size=\d+|--max-semi-space-size=\d+|--stack-size=\d+|--no-warnings|--no-deprecation|--trace-warnings|--trace-deprecation|--trace-uncaught|--enable-source-maps|--unhandled-rejections=[a-z-]+|--dns-result-order=[a-z]+|--use-openssl-ca|--use-bundled-ca)$/;

function hookRuntimeChange(name: string, value: string | undefined): string | undefined {
  if (!HOOK_RUNTIME_VARIABLE.test(name)) return undefined;
  if (name === 'NODE_OPTIONS' && value !== undefined) {
    const words = value
      .trim()
      .split(/\s+/)
      .filter((word) => word !== '');
    if (words.every((word) => HARMLESS_NODE_OPTION.test(word))) return undefined;
  }
  return `${name}=${value ?? '<run-time value>'} changes the programs git's hooks start (node, the shell, the linker), so the gates would not run as installed`;
}

/**
 * The GIT_CONFIG_* names that are only ever set as written-out settings of git commands (every such
 * assignment in the line is the prefix of a git invocation whose settings are all known).
 */
function gitSettingVariables(input: RuleInput): Set<string> {
  const assigned = (input.analysis?.assignments ?? []).filter((a) => GIT_SETTING_VARIABLE.test(a.name));
  if (assigned.length === 0) return new Set();
  let onGit = 0;
  const names = new Set<string>();
  for (const inv of invocations(input)) {
    const mine = [...inv.env.keys()].filter((name) => GIT_SETTING_VARIABLE.test(name));
    if (mine.length === 0) continue;
    if (inv.program !== 'git' || gitEnvironmentConfig(inv.env) === undefined) return new Set();
    onGit += mine.length;
    for (const name of mine) names.add(name);
  }
  return onGit === assigned.length ? names : new Set();
}

const hookEnvironment: Rule = {
  id: 'skip-variables',
  category: 'gate-skip',
  description:
    'HUSKY=0, the factory skip variables and GIT_CONFIG_* switch the hooks off; NODE_OPTIONS, LD_PRELOAD, PATH and kin on a git command change what the hooks run',
  decision: 'deny',
  alternative:
    'Do not set hook-skipping variables, and run git with the environment it has (no NODE_OPTIONS, LD_PRELOAD or PATH change on the git command line); fix what the gates report. A human may record a skip with a reason',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    const seen = new Set<string>();
    const runsGit = invocations(input).some((inv) => inv.program === 'git' || inv.program === 'pre-commit');
    const consider = (name: string, value: string | undefined) => {
      const key = `${name}=${value}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (name === 'HUSKY' && value !== '1')
        hits.push({ detail: `HUSKY=${value ?? '<run-time value>'} switches husky's hooks off` });
      else if (name === 'LEFTHOOK' && (value === undefined || /^(0|false|no|off)$/i.test(value)))
        hits.push({ detail: `LEFTHOOK=${value ?? '<run-time value>'} switches lefthook off` });
      else if (name === 'SKIP' && runsGit) hits.push({ detail: 'SKIP=... skips pre-commit hooks' });
      else if (SKIP_VARIABLE.test(name)) hits.push({ detail: `${name} changes or skips the git hooks` });
      else if (runsGit) {
        const change = hookRuntimeChange(name, value);
        if (change) hits.push({ detail: change });
      }
    };
    // GIT_CONFIG_COUNT/KEY_n/VALUE_n written out on a git command itself are `git -c` settings, judged
    // as such by the git rules; set anywhere else (export, a command that is not git) they stay refused.
    const asSettings = gitSettingVariables(input);
    for (const assignment of input.analysis?.assignments ?? [])
      if (!asSettings.has(assignment.name)) consider(assignment.name, assignment.value);
    for (const inv of invocations(input))
      for (const [name, value] of inv.env) if (!asSettings.has(name)) consider(name, value);
    if (input.call.tool === 'PowerShell' && input.command) {
      const match = /\$env:(HUSKY|HUSKY_SKIP_HOOKS|LEFTHOOK|FACTORY_\w*SKIP\w*|GIT_CONFIG_\w+)\s*=/i.exec(
        input.command,
      );
      if (match) hits.push({ detail: `$env:${match[1]} switches the hooks off` });
    }
    hits.push(...opaqueMatches(input, /\bHUSKY\b['"]?\s*[\]:=,]|FACTORY_\w*SKIP|HUSKY_SKIP_HOOKS/));
    return hits;
  },
};

const SENSITIVE_GIT_KEY = /^(core\.hookspath|alias\..+|include\.path|includeif\..+)$/;

const hooksPath: Rule = {
  id: 'hooks-path',
  category: 'gate-skip',
  description:
    'core.hooksPath, aliases and includes set through git -c or git config redirect or skip the hooks',
  decision: 'deny',
  alternative:
    'Leave core.hooksPath and git aliases alone; factory init sets the hooks up and factory doctor checks them',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const call of gitCalls(input)) {
      for (const setting of call.git.config) {
        if (SENSITIVE_GIT_KEY.test(setting.key))
          hits.push({ detail: `git -c ${setting.key}=... changes how git runs hooks or commands` });
      }
      if (call.git.subcommand !== 'config') continue;
      const scan = scanGit(call.git.rest, 'f', [
        '--file',
        '--blob',
        '--type',
        '--default',
        '--comment',
        '--value',
      ]);
      const words = scan.positionals.map((arg) => arg.value);
      const verbs = [
        'set',
        'unset',
        'get',
        'list',
        'edit',
        'rename-section',
        'remove-section',
        'get-regexp',
        'get-all',
      ];
      const verb = words[0] !== undefined && verbs.includes(words[0]) ? words[0] : undefined;
      const keyIndex = verb ? 1 : 0;
      const key = words[keyIndex]?.toLowerCase();
      const writes =
        (verb !== undefined && ['set', 'unset', 'edit', 'rename-section', 'remove-section'].includes(verb)) ||
        scan.longs.some((name) =>
          [
            '--unset',
            '--unset-all',
            '--replace-all',
            '--add',
            '--edit',
            '--rename-section',
            '--remove-section',
          ].includes(name),
        ) ||
        scan.shorts.has('e') ||
        (verb === undefined &&
          words.length >= keyIndex + 2 &&
          !scan.longs.some((name) => name.startsWith('--get')));
      if (!writes) continue;
      if (scan.longs.includes('--edit') || scan.shorts.has('e') || verb === 'edit') {
        hits.push({ detail: 'git config --edit can change core.hooksPath' });
      } else if (key === undefined) {
        hits.push({
          detail: 'git config with a key only known at run time',
          decision: input.config.unanalysable,
        });
      } else if (
        SENSITIVE_GIT_KEY.test(key) ||
        (verb?.endsWith('section') && /^(core|alias|include)/.test(key))
      ) {
        hits.push({ detail: `git config ${key} changes how git runs hooks or commands` });
      }
    }
    hits.push(...opaqueMatches(input, /hooks-?path/i));
    return hits;
  },
};

/** Whether `path` is a symbolic link (false when it is not there or cannot be looked at). */
function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false;
  }
}

/** The path with every symbolic link of its existing part resolved. */
function realPath(path: string): string {
  let head = path;
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      try {
        // A dangling link: writing through it creates the file it names.
        return join(resolve(dirname(head), readlinkSync(head)), ...tail.reverse());
      } catch {
        // not a link either: go up
      }
      const parent = dirname(head);
      if (parent === head) return path;
      tail.push(basename(head));
      head = parent;
    }
  }
}

function targetHits(
  input: RuleInput,
  inv: Invocation,
  target: FileTarget,
  judge: (path: string, glob: boolean) => string | undefined,
): Hit[] {
  const arg = target.arg;
  if (arg.value === undefined) {
    return [
      {
        detail: `${target.verb} changes a path only known at run time (${arg.raw})`,
        decision: input.config.unanalysable,
      },
    ];
  }
  if (arg.value === '' || arg.value.startsWith('/dev/')) return [];
  const path = arg.value.startsWith('/')
    ? resolve(arg.value)
    : inv.cwd
      ? resolve(inv.cwd, arg.value)
      : undefined;
  if (!path) {
    return [
      {
        detail: `${target.verb} ${arg.raw} after a cd to a folder only known at run time`,
        decision: input.config.unanalysable,
      },
    ];
  }
  // Into git's own folder, anything moved changes git's state (HEAD, refs, objects): judged as a whole.
  const gitDir = input.repoRoot ? join(input.repoRoot, '.git') : undefined;
  const inFolder =
    target.into && !(gitDir && isInside(path, gitDir)) ? intoFolder(target, arg.value, path) : undefined;
  if (inFolder) return inFolder.flatMap((entry) => targetHits(input, inv, entry, judge));
  // Through symbolic links too: a link made earlier (x -> .husky/pre-commit) is the file it points to.
  const reason = judge(path, arg.glob) ?? (arg.glob ? undefined : judge(realPath(path), false));
  return reason ? [{ detail: `${target.verb} ${arg.raw}: ${reason}` }] : [];
}

/**
 * `mv x DIR`, `cp x y DIR/`, `mv -t DIR x`: when DIR is a folder, the paths that change are DIR/x and
 * DIR/y, not DIR (`mv src/a.ts /tmp/` writes /tmp/a.ts, it does not replace /tmp). Undefined when the
 * target is not a folder, or a source's name is only known at run time (then the folder itself is judged).
 */
function intoFolder(target: FileTarget, raw: string, path: string): FileTarget[] | undefined {
  const into = target.into!;
  if (!(into.folder || raw.endsWith('/') || isFolder(path))) return undefined;
  const entries: FileTarget[] = [];
  for (const source of into.sources) {
    const name = source.value === undefined ? undefined : basename(source.value);
    if (!name || name === '.' || name === '..') return undefined;
    const value = join(raw, name);
    // A glob source (`mv *.log /tmp/`) stays a pattern: the judge matches it against protected names.
    const arg = { value, raw: value, dynamicStart: false, split: false, glob: source.glob, fetch: false };
    entries.push({ arg, wholeTree: target.wholeTree, verb: target.verb });
  }
  return entries;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const protectedFiles: Rule = {
  id: 'protected-files',
  category: 'gate-skip',
  description:
    'changes to .husky/, .git/hooks/, .git/config, .claude/settings*.json, the factory config and .factory/',
  decision: 'deny',
  alternative:
    'These files switch the gates and the guard on; ask the human to change them (factory init re-installs them, factory doctor checks them)',
  tools: [...SHELL_TOOLS, ...FILE_TOOLS],
  check(input) {
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    const hits: Hit[] = [];
    for (const file of input.files) {
      if (!file.write) continue;
      const reason =
        protectedReason(file.path, ctx, false) ?? protectedReason(realPath(file.path), ctx, false);
      if (reason) hits.push({ detail: `${input.call.tool} ${file.path}: ${reason}` });
    }
    for (const inv of invocations(input)) {
      const effects = fileEffects(inv);
      for (const target of [...effects.writes, ...effects.deletes]) {
        // xargs / find -exec items: judged by their roots below, and by recursive-delete.
        if (target.arg.value === undefined && target.arg.raw === '{}') continue;
        if (inv.items && target.arg.value === '{}') continue;
        hits.push(
          ...targetHits(input, inv, target, (path, glob) =>
            glob
              ? protectedGlobReason(path, ctx, target.wholeTree, input.exists)
              : protectedReason(path, ctx, target.wholeTree),
          ),
        );
      }
    }
    for (const inv of invocations(input)) {
      // find -delete under a protected folder (find .husky -delete).
      if (inv.program === 'find' && findDeletes(inv.args)) {
        for (const root of findRootsOf(inv.args)) {
          if (root.value === undefined) continue;
          const reason = protectedReason(resolve(inv.cwd ?? input.cwd, root.value), ctx, false);
          if (reason) hits.push({ detail: `find ${root.raw} -delete: ${reason}` });
        }
      }
      if (!inv.items || inv.items === 'unknown') continue;
      for (const root of inv.items.roots) {
        if (root.value === undefined) continue;
        const path = resolve(inv.cwd ?? input.cwd, root.value);
        const reason = protectedReason(path, ctx, false);
        if (reason)
          hits.push({ detail: `${inv.via.at(-1) ?? 'xargs'} ${inv.program} ${root.raw}: ${reason}` });
      }
    }
    if (
      input.call.tool === 'PowerShell' &&
      input.command &&
      /(Set-Content|Add-Content|Out-File|Remove-Item|Move-Item|Copy-Item)[^|;]*(\.husky|\.git[\\/]hooks|\.claude[\\/]settings|\.factory|factory\.config)/i.test(
        input.command,
      )
    )
      hits.push({ detail: 'PowerShell changes a protected file' });
    hits.push(
      ...opaqueMatches(input, /\.husky\b|\.git\/hooks|\.claude\/settings|factory\.config\.|['"/]\.factory\//),
    );
    return hits;
  },
};

const selfException: Rule = {
  id: 'self-exception',
  category: 'self',
  description: "the agent granting itself an exception (factory guard allow) or editing the guard's state",
  decision: 'deny',
  alternative:
    'Only a human at a terminal can allow a refused call: explain to the user what you need and why',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const inv of invocations(input)) {
      const words = [inv.program, ...inv.args.map((arg) => arg.value ?? '')];
      for (let i = 0; i + 1 < words.length; i++) {
        if (words[i] === 'guard' && words[i + 1] === 'allow') {
          hits.push({ detail: 'factory guard allow grants an exception to the guard' });
          break;
        }
      }
    }
    return hits;
  },
};

// ---- history ------------------------------------------------------------------------------------

function branchMatches(branch: string, patterns: readonly string[]): boolean {
  const name = branch.replace(/^refs\/heads\//, '');
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*')}$`);
    return regex.test(name);
  });
}

interface PushPlan {
  readonly force: string | undefined;
  readonly lease: boolean;
  readonly destinations: string[];
  readonly unknownDestination: boolean;
  readonly deletes: string[];
  readonly all: boolean;
  readonly risky: boolean;
}

function planPush(call: GitInvocation, input: RuleInput): PushPlan {
  const scan = scanGit(call.git.rest, 'o', ['--repo', '--receive-pack', '--exec', '--push-option']);
  let force: string | undefined;
  if (scan.shorts.has('f') || scan.longs.includes('--force')) force = '--force';
  if (longIs(scan.longs, '--mirror', 4)) force = '--mirror';
  const lease = longIs(scan.longs, '--force-with-lease', 9);
  const deleting = scan.shorts.has('d') || longIs(scan.longs, '--delete', 4);
  const all = longIs(scan.longs, '--all', 4) || longIs(scan.longs, '--branches', 4);
  const refspecs = scan.positionals.slice(1);
  const destinations: string[] = [];
  const deletes: string[] = [];
  let unknownDestination = false;
  const dir = call.inv.cwd ?? input.cwd;
  const current = () => input.currentBranch(dir);
  for (const spec of refspecs) {
    if (spec.value === undefined) {
      unknownDestination = true;
      continue;
    }
    let text = spec.value;
    if (text.startsWith('+')) {
      force = force ?? `+${text.slice(1)}`;
      text = text.slice(1);
    }
    if (deleting) {
      deletes.push(text);
      continue;
    }
    const colon = text.indexOf(':');
    if (colon === 0) {
      deletes.push(text.slice(1));
      continue;
    }
    const destination = colon > 0 ? text.slice(colon + 1) : text;
    if (destination === 'HEAD' || destination === '@') {
      const branch = current();
      if (branch) destinations.push(branch);
      else unknownDestination = true;
    } else destinations.push(destination);
  }
  if (refspecs.length === 0 && !all) {
    const branch = current();
    if (branch) destinations.push(branch);
  }
  return { force, lease, destinations, unknownDestination, deletes, all, risky: scan.risky.length > 0 };
}

const forcePush: Rule = {
  id: 'force-push',
  category: 'history',
  description:
    'force pushes (--force, -f, +refspec, --mirror; --force-with-lease to a protected branch) rewrite shared history',
  decision: 'deny',
  alternative:
    'Push without force: fetch and rebase or merge first; --force-with-lease is allowed on your own feature branch',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const call of gitCalls(input)) {
      if (call.git.subcommand !== 'push') continue;
      const plan = planPush(call, input);
      const protectedTargets = plan.destinations.filter((branch) =>
        branchMatches(branch, input.config.protectedBranches),
      );
      if (plan.force) hits.push({ detail: `git push ${plan.force} overwrites the remote branch's history` });
      else if (plan.lease && (protectedTargets.length > 0 || plan.all))
        hits.push({
          detail: `git push --force-with-lease to protected ${protectedTargets.join(', ') || 'branches (--all)'}`,
        });
      else if (plan.lease && (plan.unknownDestination || plan.destinations.length === 0))
        hits.push({
          detail: 'git push --force-with-lease to a branch only known at run time',
          decision: input.config.unanalysable,
        });
      else if (plan.risky) hits.push(riskyHit(call, input));
    }
    hits.push(...opaqueMatches(input, /push\s+(-[a-zA-Z]{0,8}f\b|--force\b|--mirror)/));
    return hits;
  },
};

const pushProtected: Rule = {
  id: 'push-protected',
  category: 'history',
  description: 'pushes to protected branches (guard.protectedBranches, default main and master)',
  decision: 'deny',
  alternative: 'Push a feature branch (git push -u origin HEAD:feature/NAME) and open a pull request',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const call of gitCalls(input)) {
      if (call.git.subcommand !== 'push') continue;
      const plan = planPush(call, input);
      const patterns = input.config.protectedBranches;
      for (const branch of plan.destinations)
        if (branchMatches(branch, patterns))
          hits.push({ detail: `git push to the protected branch ${branch}` });
      for (const branch of plan.deletes)
        if (branchMatches(branch, patterns))
          hits.push({ detail: `git push deletes the protected branch ${branch}` });
      if (plan.all && patterns.length > 0)
        hits.push({ detail: 'git push --all also pushes the protected branches' });
      if (plan.unknownDestination)
        hits.push({
          detail: 'git push to a branch only known at run time',
          decision: input.config.unanalysable,
        });
    }
    return hits;
  },
};

/** What a simple git rule answers for options only known at run time: the unanalysable decision. */
const RUN_TIME_OPTIONS = 'options only known at run time, so they may be the one this rule refuses';

function simpleGitRule(
  id: string,
  description: string,
  alternative: string,
  detect: (call: GitInvocation, input: RuleInput) => string | undefined,
  opaque?: RegExp,
): Rule {
  return {
    id,
    category: 'history',
    description,
    decision: 'deny',
    alternative,
    tools: SHELL_TOOLS,
    check(input) {
      const hits: Hit[] = [];
      for (const call of gitCalls(input)) {
        const detail = detect(call, input);
        if (detail === RUN_TIME_OPTIONS)
          hits.push({
            detail: `git ${call.git.subcommand} has ${detail}`,
            decision: input.config.unanalysable,
          });
        else if (detail) hits.push({ detail });
      }
      if (opaque) hits.push(...opaqueMatches(input, opaque));
      return hits;
    },
  };
}

const resetHard = simpleGitRule(
  'reset-hard',
  'git reset --hard throws away uncommitted work',
  'Commit or stash your work first (git stash push -m "why"), or use git reset --keep / git restore --staged',
  ({ git }) => {
    if (git.subcommand !== 'reset') return undefined;
    const scan = scanGit(git.rest, '', ['--pathspec-from-file']);
    if (longIs(scan.longs, '--hard', 4)) return 'git reset --hard discards uncommitted changes';
    return scan.risky.length > 0 ? RUN_TIME_OPTIONS : undefined;
  },
  /reset\s+--hard/,
);

const cleanForce = simpleGitRule(
  'clean-force',
  'git clean -f deletes untracked files for good',
  'Look first with git clean -n, then remove the files you mean by name (build folders inside the project are fine)',
  ({ git }) => {
    if (git.subcommand !== 'clean') return undefined;
    const scan = scanGit(git.rest, 'e', ['--exclude']);
    const force = scan.shorts.has('f') || longIs(scan.longs, '--force', 3);
    const dry = scan.shorts.has('n') || longIs(scan.longs, '--dry-run', 3);
    if (force && !dry) return 'git clean -f deletes untracked files';
    return scan.risky.length > 0 ? RUN_TIME_OPTIONS : undefined;
  },
);

/**
 * git restore's --staged/--worktree/--patch as git reads them: in order, the last one of each pair wins,
 * unique prefixes of long options count, clusters (`-SW`) too. undefined: not given either way.
 */
function restoreModes(
  rest: readonly Arg[],
  valued: readonly string[],
): { staged: boolean | undefined; worktree: boolean | undefined; patch: boolean } {
  let staged: boolean | undefined;
  let worktree: boolean | undefined;
  let patch = false;
  const prefixOf = (name: string, full: string, minimum: number) =>
    name.length >= minimum && full.startsWith(name);
  for (let i = 0; i < rest.length; i++) {
    const text = rest[i]!.value;
    if (text === undefined || text === '--') break;
    if (text.startsWith('--')) {
      const name = text.split('=')[0]!;
      if (prefixOf(name, '--staged', 4)) staged = true;
      else if (prefixOf(name, '--no-staged', 8)) staged = false;
      else if (prefixOf(name, '--worktree', 3)) worktree = true;
      else if (prefixOf(name, '--no-worktree', 6)) worktree = false;
      else if (prefixOf(name, '--patch', 4)) patch = true;
      else if (prefixOf(name, '--no-patch', 7)) patch = false;
      if (valued.includes(name) && !text.includes('=')) i++;
      continue;
    }
    if (!text.startsWith('-') || text.length < 2) continue;
    for (let k = 1; k < text.length; k++) {
      const letter = text[k]!;
      if (letter === 'S') staged = true;
      else if (letter === 'W') worktree = true;
      else if (letter === 'p') patch = true;
      else if (letter === 's' || letter === 'U') {
        if (k === text.length - 1) i++;
        break;
      }
    }
  }
  return { staged, worktree, patch };
}

function refExists(input: RuleInput, name: string): boolean {
  if (!input.repoRoot) return false;
  return (
    input.exists(join(input.repoRoot, '.git', 'refs', 'heads', name)) ||
    input.exists(join(input.repoRoot, '.git', 'refs', 'remotes', name))
  );
}

const discardChanges = simpleGitRule(
  'discard-changes',
  'git checkout -- PATH, git checkout ., git restore PATH and switch --discard-changes throw away uncommitted edits',
  'Keep the edits: commit or stash them (git stash push -m "why"); git restore --staged only unstages',
  ({ git, inv }, input) => {
    if (git.subcommand === 'checkout') {
      const scan = scanGit(git.rest, 'bBU', [
        '--orphan',
        '--conflict',
        '--pathspec-from-file',
        '--unified',
        '--inter-hunk-context',
      ]);
      if (scan.shorts.has('f') || longIs(scan.longs, '--force', 4))
        return 'git checkout --force discards local changes';
      // --track/--no-track without -b with paths: git stops ("cannot be used with updating paths").
      const tracks = scan.shorts.has('t') || scan.longs.some((name) => /^--(no-)?track$/.test(name));
      const creates = scan.shorts.has('b') || scan.shorts.has('B') || scan.longs.includes('--orphan');
      if (tracks && !creates && (scan.positionals.length >= 2 || scan.afterDashDash.length > 0))
        return undefined;
      if (scan.afterDashDash.length > 0)
        return `git checkout -- ${scan.afterDashDash.map((arg) => arg.raw).join(' ')} discards the edits of those paths`;
      if (scan.shorts.has('b') || scan.shorts.has('B') || scan.longs.includes('--orphan')) return undefined;
      if (scan.positionals.length >= 2) return 'git checkout TREE PATH... overwrites those paths';
      const only = scan.positionals[0]?.value;
      if (only === '.' || only === ':/' || only === '*')
        return `git checkout ${only} discards every uncommitted edit`;
      if (only && inv.cwd && input.exists(resolve(inv.cwd, only)) && !refExists(input, only))
        return `git checkout ${only} overwrites the uncommitted edits of that path`;
      return undefined;
    }
    if (git.subcommand === 'restore') {
      const valued = ['--source', '--pathspec-from-file', '--conflict', '--unified', '--inter-hunk-context'];
      const scan = scanGit(git.rest, 'sU', valued);
      // Only help: nothing is restored.
      if (scan.shorts.has('h') || longIs(scan.longs, '--help', 3) || longIs(scan.longs, '--version', 3))
        return undefined;
      const modes = restoreModes(git.rest, valued);
      // No paths without --patch: git stops ("you must specify path(s) to restore").
      if (
        !modes.patch &&
        scan.positionals.length === 0 &&
        scan.afterDashDash.length === 0 &&
        !scan.longs.some((name) => name.startsWith('--pathspec'))
      )
        return undefined;
      // The working tree is restored by default, or when the last of -W/--no-worktree is -W; with
      // --staged alone only the index is, and with neither left git stops.
      const worktree = modes.worktree ?? modes.staged === undefined;
      return worktree ? 'git restore discards the working-tree edits of those paths' : undefined;
    }
    if (git.subcommand === 'switch') {
      const scan = scanGit(git.rest, 'cC', ['--create', '--force-create', '--orphan', '--conflict']);
      if (
        scan.shorts.has('f') ||
        longIs(scan.longs, '--force', 4) ||
        longIs(scan.longs, '--discard-changes', 4)
      )
        return 'git switch --discard-changes throws away local edits';
    }
    if (git.subcommand === 'stash') {
      const scan = scanGit(git.rest, 'm', ['--message']);
      if (scan.positionals[0]?.value === 'clear') return 'git stash clear deletes every stash';
    }
    return undefined;
  },
);

const branchForceDelete = simpleGitRule(
  'branch-force-delete',
  'git branch -D deletes a branch with unmerged commits',
  'Use git branch -d (refuses unmerged work); merge or push the branch first',
  ({ git }) => {
    if (git.subcommand !== 'branch') return undefined;
    const scan = scanGit(git.rest, 'u', [
      '--set-upstream-to',
      '--contains',
      '--no-contains',
      '--merged',
      '--no-merged',
      '--sort',
      '--format',
      '--points-at',
    ]);
    const del = scan.shorts.has('d') || longIs(scan.longs, '--delete', 4);
    const force = scan.shorts.has('f') || longIs(scan.longs, '--force', 4);
    if (scan.shorts.has('D') || (del && force)) return 'git branch -D deletes unmerged commits';
    return undefined;
  },
);

// ---- destroying files ---------------------------------------------------------------------------

/** Why removing `path` outside the project is refused; undefined for scratch in the temp folder. */
function outsideProblem(input: RuleInput, path: string, raw: string): string | undefined {
  const project = input.repoRoot ?? input.cwd;
  const problem = tempRemovalProblem(path, raw, { project, home: input.home, cwd: input.cwd });
  if (problem === undefined) return undefined;
  return problem === OUTSIDE_TEMP
    ? `is outside the project (${project})`
    : `is outside the project (${project}), in the temp folder but ${problem}`;
}

function removalHits(input: RuleInput, what: string, path: string, glob: boolean, raw = path): Hit[] {
  const project = input.repoRoot ?? input.cwd;
  const home = input.home;
  const base = glob ? globBase(path) : path;
  // A glob's expansions lie strictly inside its base: `rm -rf build/*` stays in build/.
  if (glob) {
    if (isInside(base, project)) return [];
    const problem = outsideProblem(input, base, raw);
    return problem ? [{ detail: `${what} ${path} reaches outside the project (${project})` }] : [];
  }
  if (base === '/') return [{ detail: `${what} / removes the whole file system` }];
  if (isInside(home, base)) return [{ detail: `${what} ${base} removes the home folder` }];
  if (isInside(project, base)) return [{ detail: `${what} ${base} removes the project root` }];
  if (!isInside(base, project)) {
    const problem = outsideProblem(input, base, raw);
    if (problem) return [{ detail: `${what} ${base} ${problem}` }];
  }
  return [];
}

/** Options of find that take a value (`-gid -delete` names a group, it deletes nothing). */
const FIND_VALUED =
  /^-(i?name|i?path|i?wholename|i?regex|lname|ilname|newer\w*|[acm](time|min)|size|perm|user|group|uid|gid|links|inum|samefile|type|xtype|maxdepth|mindepth|fprint0?|fprintf|fls|printf|regextype|used|context|files0-from)$/;

/** find's own `-delete`, not a value of another option nor a word of an -exec command. */
function findDeletes(args: readonly Arg[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.value ?? '';
    if (/^-(exec|execdir|ok|okdir)$/.test(text)) {
      while (i < args.length && ![';', '+'].includes(args[i]!.value ?? '')) i++;
    } else if (FIND_VALUED.test(text)) i++;
    else if (text === '-delete') return true;
  }
  return false;
}

/** Predicates that pick files by name, age or content: `find . -name '*.pyc' -delete` is a selection. */
const FIND_FILTERS =
  /^-(i?name|i?path|i?wholename|i?regex|lname|ilname|empty|newer\w*|[acm](time|min)|size|perm|user|group|links|inum|samefile)$/;

function findSelects(args: readonly Arg[]): boolean {
  return args.some((arg) => FIND_FILTERS.test(arg.value ?? ''));
}

const recursiveDelete: Rule = {
  id: 'recursive-delete',
  category: 'files',
  description:
    'recursive removal (rm -r, find -delete, xargs rm) of /, home, the project root or anything outside the project',
  decision: 'deny',
  alternative:
    'Remove only paths inside the project, by name (rm -rf dist is fine); ask the user to clean up anything else',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    const unknown = (detail: string): Hit => ({ detail, decision: input.config.unanalysable });
    for (const inv of invocations(input)) {
      const viaItems =
        inv.items !== undefined &&
        ['rm', 'unlink', 'shred', 'rmdir', 'trash', 'trash-put'].includes(inv.program);
      if (viaItems) {
        if (inv.items === 'unknown')
          hits.push(
            unknown(`${inv.via.at(-1) ?? 'xargs'} ${inv.program} removes paths only known at run time`),
          );
        else
          for (const root of inv.items!.roots) {
            if (root.value === undefined)
              hits.push(unknown(`${inv.program} removes paths under ${root.raw}, only known at run time`));
            else {
              const path = resolve(inv.cwd ?? input.cwd, root.value);
              hits.push(
                ...removalHits(
                  input,
                  `${inv.via.at(-1) ?? 'xargs'} ${inv.program} under`,
                  path,
                  true,
                  root.raw,
                ),
              );
              const project = input.repoRoot ?? input.cwd;
              if (isInside(project, path) && !inv.items!.selective)
                hits.push({
                  detail: `find ${root.raw} -exec ${inv.program} without -name/-path removes the whole project`,
                });
            }
          }
      }
      if (inv.program === 'find' && findDeletes(inv.args)) {
        for (const root of findRootsOf(inv.args)) {
          if (root.value === undefined)
            hits.push(unknown(`find -delete under ${root.raw}, only known at run time`));
          else {
            const path = resolve(inv.cwd ?? input.cwd, root.value);
            const project = input.repoRoot ?? input.cwd;
            // Words that xargs or parallel add could be more roots: no temp-folder allowance then.
            const fed = inv.via.includes('xargs') || inv.via.includes('parallel');
            if (!isInside(path, project)) {
              const problem = fed
                ? 'is outside the project'
                : outsideProblem(input, root.glob ? globBase(path) : path, root.raw);
              if (problem)
                hits.push({ detail: `find ${root.raw} -delete removes files outside the project` });
            } else if (isInside(project, path) && !findSelects(inv.args))
              hits.push({
                detail: `find ${root.raw} -delete without -name/-path removes the whole project, .git included`,
              });
          }
        }
      }
      for (const target of fileEffects(inv).deletes) {
        if (!target.wholeTree || target.verb === 'mv' || target.verb.startsWith('git')) continue;
        if (viaItems && target.arg.value === '{}') continue;
        if (target.arg.raw === '{}' && target.arg.value === undefined) continue;
        const arg = target.arg;
        if (arg.value === undefined) {
          hits.push(unknown(`${target.verb} -r ${arg.raw} removes a path only known at run time`));
          continue;
        }
        const path = arg.value.startsWith('/')
          ? resolve(arg.value)
          : inv.cwd
            ? resolve(inv.cwd, arg.value)
            : undefined;
        if (!path) {
          hits.push(unknown(`${target.verb} -r ${arg.raw} after a cd to a folder only known at run time`));
          continue;
        }
        hits.push(...removalHits(input, `${target.verb} -r`, path, arg.glob, arg.raw));
      }
    }
    if (
      input.call.tool === 'PowerShell' &&
      input.command &&
      /Remove-Item[^|;]*-Recurse[^|;]*\s(['"]?)([A-Za-z]:\\?|\/|~|\$HOME|\$env:USERPROFILE)\1(\s|$)/i.test(
        input.command,
      )
    )
      hits.push({ detail: 'Remove-Item -Recurse of a drive root or the home folder' });
    hits.push(
      ...opaqueMatches(
        input,
        /rm\s+-(?=[a-zA-Z]{0,7}[rR])[a-zA-Z]{1,8}\s+(\/|~|\$HOME)(\s|['"]|$)|rmtree\(\s*['"](\/|~)/,
      ),
    );
    return hits;
  },
};

function findRootsOf(args: readonly Arg[]): Arg[] {
  const roots: Arg[] = [];
  for (const arg of args) {
    const text = arg.value;
    if (text !== undefined && (text.startsWith('-') || text === '(' || text === '!')) {
      if (['-H', '-L', '-P'].includes(text)) continue;
      break;
    }
    roots.push(arg);
  }
  return roots.length > 0
    ? roots
    : [{ value: '.', raw: '.', dynamicStart: false, split: false, glob: false, fetch: false }];
}

// ---- secrets ------------------------------------------------------------------------------------

const SECRET_EXEMPT = new Set([
  'echo',
  'printf',
  'test',
  '[',
  '[[',
  'ls',
  'stat',
  'which',
  'type',
  'command',
  'true',
  'false',
  'mkdir',
  'gitleaks',
  'secretlint',
  'trufflehog',
  'detect-secrets',
  'factory',
  'cd',
  'export',
  '',
]);
const PATTERN_FIRST = new Set(['grep', 'egrep', 'fgrep', 'rg', 'ag', 'ack', 'sed', 'awk', 'gawk']);

function argCandidates(inv: Invocation): Arg[] {
  let args = inv.args;
  if (PATTERN_FIRST.has(inv.program)) {
    const hasPatternFlag = args.some((arg) =>
      ['-e', '-f', '--regexp', '--file', '--expression'].includes(arg.value ?? ''),
    );
    if (!hasPatternFlag) {
      const first = args.findIndex((arg) => !(arg.value ?? '').startsWith('-'));
      if (first >= 0) args = [...args.slice(0, first), ...args.slice(first + 1)];
    }
  }
  // Keys that a program creates (openssl -keyout, ssh-keygen -f) are new files, not secrets read.
  const created = new Set<number>();
  if (inv.program === 'openssl' || inv.program === 'ssh-keygen')
    args.forEach((arg, i) => {
      if (
        ['-keyout', '-out', '-pubout'].includes(arg.value ?? '') ||
        (inv.program === 'ssh-keygen' && arg.value === '-f')
      )
        created.add(i + 1);
    });
  const out: Arg[] = [];
  for (const [index, arg] of args.entries()) {
    const text = arg.value;
    if (text === undefined || created.has(index)) continue;
    out.push(arg);
    const eq = text.indexOf('=');
    if (text.startsWith('-') && eq > 0) out.push({ ...arg, value: text.slice(eq + 1) });
    if (text.startsWith('@')) out.push({ ...arg, value: text.slice(1) });
    if (/^[a-z]+=/.test(text)) out.push({ ...arg, value: text.slice(eq + 1).replace(/^[@<]/, '') });
  }
  return out;
}

/** Programs that read a folder given to them whole (archivers, copiers, recursive searches). */
const FOLDER_READERS = new Set([
  'tar',
  'bsdtar',
  'zip',
  '7z',
  '7za',
  'rg',
  'ag',
  'rsync',
  'scp',
  'restic',
  'borg',
]);
const RECURSIVE_READERS = new Set(['grep', 'egrep', 'fgrep', 'cp', 'diff']);

/** Whether `inv` reads the folder `arg` names with everything in it (not as a destination). */
function readsFoldersWhole(inv: Invocation, arg: Arg): boolean {
  const args = inv.args;
  // The last operand of a copy is where it goes.
  if (['cp', 'rsync', 'scp'].includes(inv.program) && args.at(-1) === arg) return false;
  if (FOLDER_READERS.has(inv.program)) return true;
  if (!RECURSIVE_READERS.has(inv.program)) return false;
  return args.some((a) =>
    /^(-[a-zA-Z]*[rRa][a-zA-Z]*|--recursive|--archive|--dereference-recursive)$/.test(a.value ?? ''),
  );
}

/** A home credential store inside the folder `path` (the folder of a store, `~/.config`, `~`). */
function storeInFolder(path: string, home: string): HomeStore | undefined {
  if (path !== home && !path.startsWith(`${home}/`)) return undefined;
  return homeStoreWithin(path === home ? '' : path.slice(home.length + 1));
}

/**
 * `cp .env.example .env.local`: a secret file made from a template is everyday set-up, not a read of a
 * secret. The destination's name when it does not exist yet (or `-n` keeps an existing one) and no source
 * is a secret; an overwrite would destroy the user's values and stays refused.
 */
function freshSecretCopy(input: RuleInput, inv: Invocation, effects: FileEffects): string | undefined {
  if (inv.program !== 'cp' || effects.writes.length !== 1 || effects.deletes.length > 0) return undefined;
  const target = effects.writes[0]!;
  if (target.arg.value === undefined || target.arg.glob || target.wholeTree) return undefined;
  const ctx = { repoRoot: input.repoRoot, home: input.home };
  const at = (value: string) => resolve(inv.cwd ?? input.cwd, value);
  if (!secretReason(at(target.arg.value), ctx) || isSymbolicLink(at(target.arg.value))) return undefined;
  const sources = effects.reads.filter((arg) => arg !== target.arg);
  if (sources.length === 0) return undefined;
  for (const source of sources)
    if (
      source.value === undefined ||
      source.glob ||
      secretReason(at(source.value), ctx) ||
      isSymbolicLink(at(source.value))
    )
      return undefined;
  const noClobber = inv.args.some((arg) =>
    /^(-[a-zA-Z]*n[a-zA-Z]*|--no-clobber|--update=none)$/.test(arg.value ?? ''),
  );
  return noClobber || !input.exists(at(target.arg.value)) ? target.arg.value : undefined;
}

const secretFiles: Rule = {
  id: 'secret-files',
  category: 'secrets',
  description: 'reading or writing .env files, private keys and credential files',
  decision: 'deny',
  alternative:
    'Do not open secret files: use .env.example for the variable names and ask the user to set the values; code reads them at run time',
  tools: [...SHELL_TOOLS, ...FILE_TOOLS],
  check(input) {
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    const hits: Hit[] = [];
    for (const file of input.files) {
      const reason = secretReason(file.path, ctx) ?? secretReason(realPath(file.path), ctx);
      if (reason) hits.push({ detail: `${input.call.tool} ${file.path}: ${reason}` });
    }
    for (const inv of invocations(input)) {
      const effects = fileEffects(inv);
      const candidates: Arg[] = [
        ...effects.writes.map((t) => t.arg),
        ...effects.deletes.map((t) => t.arg),
        ...effects.reads,
      ];
      let exempt = SECRET_EXEMPT.has(inv.program);
      if (inv.program === 'git') exempt = gitSubcommand(inv.args).subcommand !== 'add';
      if (!exempt) candidates.push(...argCandidates(inv));
      else
        candidates.push(
          ...inv.redirects.map((r) => ({
            value: r.path,
            raw: r.raw,
            dynamicStart: false,
            split: false,
            glob: /[*?[]/.test(r.raw),
            fetch: false,
          })),
        );
      const seen = new Set<string>();
      const created = freshSecretCopy(input, inv, effects);
      if (created) seen.add(created);
      for (const arg of candidates) {
        if (arg.value === undefined || seen.has(arg.value) || /^[a-z+]+:\/\//i.test(arg.value)) continue;
        seen.add(arg.value);
        const path = arg.value.startsWith('/') ? arg.value : resolve(inv.cwd ?? input.cwd, arg.value);
        // Through symbolic links too: a link made earlier (notes.txt -> .env) is the file it points to.
        const reason = arg.glob
          ? secretGlobReason(path, ctx)
          : (secretReason(path, ctx) ??
            (isSymbolicLink(path) ? secretReason(realPath(path), ctx) : undefined));
        if (reason) hits.push({ detail: `${inv.program} ${arg.raw}: ${reason}` });
        else if (!exempt && !arg.glob && readsFoldersWhole(inv, arg)) {
          const store = storeInFolder(path, input.home);
          if (store)
            hits.push({ detail: `${inv.program} ${arg.raw} reads ~/${store.path}, which ${store.why}` });
        }
      }
    }
    hits.push(
      ...opaqueMatches(
        input,
        /['"`/]\.env(\.(?!example|sample|template)\w+)?['"`]|id_rsa|id_ed25519|\.ssh\/id_|\.aws\/credentials/,
      ),
    );
    return hits;
  },
};

const secretContent: Rule = {
  id: 'secret-content',
  category: 'secrets',
  description: 'writing a token-shaped secret into a file or a command',
  decision: 'deny',
  alternative:
    'Read secrets from the environment at run time (process.env.NAME, os.environ["NAME"]) and document the name in .env.example',
  tools: [...SHELL_TOOLS, 'Edit', 'Write', 'MultiEdit', 'NotebookEdit'],
  check(input) {
    const hits: Hit[] = [];
    for (const file of input.files) {
      if (!file.write || !file.content) continue;
      const found = findSecrets(file.content);
      if (found.length > 0)
        hits.push({ detail: `${input.call.tool} ${file.path} would contain ${found.join(', ')}` });
    }
    if (input.command) {
      const found = findSecrets(input.command);
      if (found.length > 0) hits.push({ detail: `the command contains ${found.join(', ')}` });
    }
    return hits;
  },
};

// ---- network ----------------------------------------------------------------------------------

const networkExec: Rule = {
  id: 'network-exec',
  category: 'network',
  description: 'running code fetched from the network (curl | sh, bash <(curl), eval "$(wget -O- ...)")',
  decision: 'deny',
  alternative:
    'Download to a file, show it to the user, and install through the package manager or a pinned release instead',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = (input.analysis?.networkExec ?? []).map((detail) => ({ detail }));
    if (
      input.call.tool === 'PowerShell' &&
      input.command &&
      /\b(iex|Invoke-Expression)\b/i.test(input.command) &&
      /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString|curl|wget)\b/i.test(input.command)
    )
      hits.push({ detail: 'Invoke-Expression on downloaded code' });
    return hits;
  },
};

const unanalysable: Rule = {
  id: 'unanalysable',
  category: 'unanalysable',
  description:
    "a command the guard cannot analyse statically (a variable as the program, $'\\x..' escapes, code piped in)",
  decision: 'ask',
  alternative:
    'Write the command out literally (no variables as program names, no escapes, no generated code) so it can be checked',
  tools: SHELL_TOOLS,
  check(input) {
    return (input.analysis?.unanalysable ?? []).map((detail) => ({
      detail,
      decision: input.config.unanalysable,
    }));
  },
};

// ---- git: every way to move or delete a ref, rewrite history or run a configured program ---------

/** `git -c` / `git config` keys that change nothing git runs or where it writes. */
const SAFE_GIT_KEY =
  /^(user\.(name|email|signingkey)|author\.(name|email)|committer\.(name|email)|color\..+|advice\..+|core\.(quotepath|autocrlf|safecrlf|eol|filemode|ignorecase|precomposeunicode|abbrev|whitespace)|init\.defaultbranch|commit\.(gpgsign|verbose|cleanup)|tag\.gpgsign|log\..+|diff\.(color|renames|algorithm|noprefix|mnemonicprefix|context|interhunkcontext|statgraphwidth|indentheuristic|colormoved)|merge\.(conflictstyle|ff|log|stat)|pull\.(rebase|ff)|rebase\.(autostash|autosquash|stat|updaterefs)|fetch\.(prune|prunetags|parallel)|status\..+|format\.pretty|column\..+|pager\.\w+|help\.autocorrect|safe\.directory|protocol\.version|gc\.auto|maintenance\.auto|blame\..+|grep\..+|branch\.autosetupmerge|push\.autosetupremote|feature\..+|i18n\..+)$/;

/** Variables that make git run a program or act on another repository. */
const GIT_PROGRAM_VARIABLES =
  /^(GIT_SSH|GIT_SSH_COMMAND|GIT_SSH_VARIANT|GIT_EXTERNAL_DIFF|GIT_PAGER|GIT_EDITOR|GIT_SEQUENCE_EDITOR|GIT_ASKPASS|SSH_ASKPASS|GIT_PROXY_COMMAND|GIT_EXEC_PATH|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_TEMPLATE_DIR|GIT_CONFIG|GIT_COMMON_DIR|GIT_NAMESPACE|EDITOR|VISUAL|PAGER)$/;
/** Editor and pager values that run nothing of consequence. */
const HARMLESS_PROGRAM_VALUE = /^(true|:|cat|less|more|less -R|vi|vim|nano|)$/;

/** `checkout -B NAME` / `switch -C NAME` when NAME exists (or is only known at run time). */
function resetsBranch(rest: readonly Arg[], letter: string, input: RuleInput): boolean {
  for (let i = 0; i < rest.length; i++) {
    const text = rest[i]!.value ?? '';
    const long = letter === 'C' && /^--force-create(=|$)/.test(text);
    const at = long ? -1 : text.startsWith('--') ? -1 : text.indexOf(letter);
    if (!long && (!/^-[a-zA-Z]/.test(text) || at < 0)) continue;
    const attached = long ? text.split('=')[1] : text.slice(at + 1);
    const name = attached ? attached : rest[i + 1]?.value;
    return name === undefined || refExists(input, name);
  }
  return false;
}

const NETWORK_GIT = new Set([
  'fetch',
  'pull',
  'push',
  'clone',
  'ls-remote',
  'archive',
  'remote',
  'submodule',
  'send-pack',
  'fetch-pack',
]);

/** A git call that talks to a remote (and so may start ssh). */
function reachesRemote(sub: string | undefined, rest: readonly Arg[]): boolean {
  if (sub === 'archive') return rest.some((arg) => (arg.value ?? '').startsWith('--remote'));
  if (sub === 'remote') {
    const words = rest.map((arg) => arg.value ?? '').filter((word) => !word.startsWith('-'));
    return ['update', 'prune', 'show', 'add', 'set-head'].includes(words[0] ?? '');
  }
  return NETWORK_GIT.has(sub ?? '');
}

const gitRefs: Rule = {
  id: 'git-refs',
  category: 'history',
  description:
    'moving or deleting refs and rewriting history by other means: update-ref, commit-tree, branch -f/-M, checkout -B, tag -d, stash drop/--all, reflog expire, gc --prune=now, filter-branch, worktree remove --force, remote branch deletion, reset --merge',
  decision: 'deny',
  alternative:
    'Make the change with an ordinary commit on a feature branch (git switch -c NAME, git commit); ask the human to move, delete or rewrite refs',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const call of gitCalls(input)) {
      const sub = call.git.subcommand;
      const rest = call.git.rest;
      const dashDash = rest.findIndex((arg) => arg.value === '--');
      const flags = (dashDash >= 0 ? rest.slice(0, dashDash) : rest).map((arg) => arg.value ?? '');
      const words = scanGit(rest, '', []).positionals.map((arg) => arg.value);
      const has = (regex: RegExp) => flags.some((flag) => regex.test(flag));
      const say = (detail: string) => hits.push({ detail });
      if (sub === undefined) continue;
      if (!GIT_SUBCOMMANDS.has(sub)) {
        hits.push({
          detail: `git ${sub} is not a git command the guard knows (an alias or an add-on runs something it cannot see); write the git command it stands for`,
          decision: input.config.unanalysable,
        });
        continue;
      }
      switch (sub) {
        case 'update-ref':
        case 'commit-tree':
        case 'replace':
        case 'fast-import':
        case 'filter-branch':
        case 'filter-repo':
          say(`git ${sub} moves refs or writes commits without the gates`);
          break;
        case 'symbolic-ref':
          if (words.length >= 2 || has(/^(-d|--delete)$/))
            say('git symbolic-ref moves HEAD or a branch by hand');
          break;
        case 'read-tree':
          if (has(/^-[a-zA-Z]*u$|^--reset$/)) say('git read-tree -u overwrites the working tree');
          break;
        case 'checkout-index':
          if (has(/^(-f|--force|-a|--all)$|^-[a-zA-Z]*[fa]/))
            say('git checkout-index -f overwrites working-tree files');
          break;
        case 'branch':
          if (has(/^-[a-zA-Z]*[fMC]/) || has(/^--force$|^--forc?$/))
            say('git branch -f/-M/-C moves or overwrites an existing branch');
          break;
        case 'checkout':
          if (resetsBranch(rest, 'B', input)) say('git checkout -B resets an existing branch');
          if (has(/^--pathspec-from-f/))
            say('git checkout --pathspec-from-file overwrites paths the guard cannot see');
          break;
        case 'switch':
          if (resetsBranch(rest, 'C', input)) say('git switch -C resets an existing branch');
          break;
        case 'tag':
          if (has(/^-[a-zA-Z]*[df]/) || has(/^--del|^--force$/)) say('git tag -d/-f deletes or moves a tag');
          break;
        case 'stash':
          if (words[0] === 'drop' || words[0] === 'clear') say(`git stash ${words[0]} deletes stashed work`);
          if (
            has(/^(-a|--all)$|^-[a-zA-Z]*a[a-zA-Z]*$/) &&
            !['list', 'show', 'apply', 'pop', 'branch'].includes(words[0] ?? '')
          )
            say('git stash --all also removes ignored files (the hooks and the settings among them)');
          break;
        case 'reflog':
          if (words[0] === 'delete' || words[0] === 'expire')
            say(`git reflog ${words[0]} throws away the record of old commits`);
          break;
        case 'gc':
        case 'prune':
        case 'repack':
          if (has(/^--prune(=now|=all)?$/) && sub === 'gc' && !has(/^--prune=\d/)) {
            if (has(/^--prune=(now|all)$/)) say('git gc --prune=now deletes unreachable commits for good');
          } else if (sub === 'prune' || (sub === 'repack' && has(/^-[a-zA-Z]*[adD]/)))
            if (sub === 'prune' && has(/^--expire/))
              say('git prune --expire deletes unreachable commits for good');
          break;
        case 'worktree':
          if (words[0] === 'remove' && (has(/^-[a-zA-Z]*f/) || has(/^--forc?e?$/)))
            say('git worktree remove --force throws away the uncommitted work of that worktree');
          break;
        case 'reset':
          if (has(/^--mer(g|ge)?$/)) say('git reset --merge discards uncommitted changes');
          break;
        case 'push': {
          const scan = scanGit(rest, 'o', ['--repo', '--receive-pack', '--exec', '--push-option']);
          const refspecs = [...scan.positionals.slice(1), ...scan.afterDashDash].map(
            (arg) => arg.value ?? '',
          );
          if (has(/^(-d|--delete|--del|--dele|--delet)$/) || refspecs.some((spec) => spec.startsWith(':')))
            say('git push deletes a remote branch');
          if (refspecs.some((spec) => spec.includes('*')))
            say('git push with a wildcard refspec also reaches the protected branches');
          if (
            refspecs.some((spec) => /:\+/.test(spec)) ||
            refspecs.some(
              (spec) =>
                branchMatches(
                  spec.replace(/^\+/, '').split(':').at(-1)!.replace(/^\+/, ''),
                  input.config.protectedBranches,
                ) && /\+/.test(spec),
            )
          )
            say('git push with a + refspec overwrites the remote branch');
          if (has(/^--(receive-pack|exec)/)) say('git push --receive-pack runs a program');
          if (has(/^--mirror|^--prune$/)) say('git push --mirror/--prune deletes remote branches');
          break;
        }
        case 'clone':
        case 'fetch':
        case 'pull':
        case 'ls-remote':
        case 'archive':
        case 'submodule':
        case 'remote':
          if (has(/^(-u|--upload-pack|--exec|--receive-pack)/))
            say(`git ${sub} --upload-pack runs a program`);
          if (sub === 'clone' || sub === 'submodule')
            for (let i = 0; i < flags.length; i++) {
              const flag = flags[i]!;
              const setting =
                flag === '-c' || flag === '--config'
                  ? flags[i + 1]
                  : /^--config=/.test(flag)
                    ? flag.slice(9)
                    : undefined;
              const key = setting?.split('=')[0]?.toLowerCase();
              if (key !== undefined && !SAFE_GIT_KEY.test(key))
                say(`git ${sub} --config ${key} sets a key that runs programs or moves refs`);
            }
          break;
      }
      if (flags.some((flag) => /^ext::|^fd::/.test(flag)) || rest.some((arg) => /ext::/.test(arg.raw)))
        say(`git ${sub} with an ext:: URL runs a program`);
    }
    return hits;
  },
};

const gitPrograms: Rule = {
  id: 'git-programs',
  category: 'gate-skip',
  description:
    'git settings and variables that run a program or redirect git: -c keys (core.pager, core.fsmonitor, core.sshCommand, remote.*.push, ...), git config writes of such keys, --exec-path, GIT_SSH_COMMAND, GIT_DIR, an editor or pager that is a program',
  decision: 'deny',
  alternative:
    'Run git with its normal configuration; settings that run programs or redirect git are for the human (git config in a terminal)',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    const runsGit = invocations(input).some((inv) => inv.program === 'git');
    for (const call of gitCalls(input)) {
      for (const setting of call.git.config) {
        if (SAFE_GIT_KEY.test(setting.key) || SENSITIVE_GIT_KEY.test(setting.key)) continue;
        // ssh is only started for a remote, as with GIT_SSH_COMMAND below: git status runs nothing.
        if (
          /^core\.sshcommand$|^ssh\.variant$/.test(setting.key) &&
          !reachesRemote(call.git.subcommand, call.git.rest)
        )
          continue;
        hits.push({ detail: `git -c ${setting.key}=... can make git run a program or move refs` });
      }
      if (
        call.inv.args.some(
          (arg) => /^--exec-path=/.test(arg.value ?? '') || (arg.value === '--exec-path' && false),
        )
      )
        hits.push({ detail: 'git --exec-path=DIR runs git commands from another folder' });
      if (call.git.subcommand !== 'config') continue;
      const rest = call.git.rest.map((arg) => arg.value);
      if (rest.some((value) => value === undefined)) {
        hits.push({
          detail: 'git config with words only known at run time',
          decision: input.config.unanalysable,
        });
        continue;
      }
      const flags = rest as string[];
      const fileAt = flags.findIndex(
        (flag) => flag === '-f' || flag === '--file' || flag.startsWith('--file='),
      );
      if (fileAt >= 0) {
        const file = flags[fileAt]!.startsWith('--file=')
          ? flags[fileAt]!.slice(7)
          : (flags[fileAt + 1] ?? '');
        if (/(^|\/)\.git\/|(^|\/)\.gitconfig$|config\.worktree$/.test(file) || file === '-')
          hits.push({ detail: `git config --file ${file} writes git's own configuration` });
      }
      if (
        flags.includes('--worktree') &&
        flags.some((flag) => !flag.startsWith('-')) &&
        !flags.some((flag) => /^--(get|list|show)/.test(flag) || flag === '-l')
      )
        hits.push({ detail: 'git config --worktree writes .git/config.worktree' });
      if (
        flags.some((flag) => /^--(remove|rename)-section$/.test(flag)) ||
        ['remove-section', 'rename-section'].includes(flags.find((flag) => !flag.startsWith('-')) ?? '')
      )
        hits.push({
          detail: 'git config --remove-section/--rename-section rewrites whole sections (core, remote)',
        });
      const positional = flags.filter(
        (flag, i) =>
          !flag.startsWith('-') &&
          !['-f', '--file', '--type', '--default', '--comment', '--value', '--blob'].includes(
            flags[i - 1] ?? '',
          ),
      );
      const verbs = ['set', 'unset', 'get', 'list', 'edit', 'get-regexp', 'get-all', 'get-urlmatch'];
      const verb = verbs.includes(positional[0] ?? '') ? positional[0] : undefined;
      const key = (verb ? positional[1] : positional[0])?.toLowerCase();
      const writes =
        verb === 'set' ||
        verb === 'unset' ||
        flags.some((flag) => /^--(unset|unset-all|replace-all|add)$/.test(flag)) ||
        (verb === undefined && positional.length >= 2 && !flags.some((flag) => flag.startsWith('--get')));
      if (writes && key !== undefined && !SAFE_GIT_KEY.test(key) && !SENSITIVE_GIT_KEY.test(key))
        hits.push({ detail: `git config ${key} can make git run a program or move refs` });
    }
    const seen = new Set<string>();
    const consider = (name: string, value: string | undefined) => {
      if (!GIT_PROGRAM_VARIABLES.test(name) || seen.has(name)) return;
      // ssh is only started for a remote: git status with GIT_SSH_COMMAND set runs nothing.
      if (
        /^GIT_SSH/.test(name) &&
        !gitCalls(input).some((call) => reachesRemote(call.git.subcommand, call.git.rest))
      )
        return;
      if (/^(EDITOR|VISUAL|PAGER)$/.test(name) && !runsGit) return;
      if (
        value !== undefined &&
        HARMLESS_PROGRAM_VALUE.test(value) &&
        !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE|TEMPLATE|CONFIG|COMMON|NAMESPACE|EXEC_PATH|SSH)/.test(
          name,
        )
      )
        return;
      seen.add(name);
      hits.push({
        detail: `${name}=${value ?? '<run-time value>'} makes git run a program or act on other files`,
      });
    };
    for (const assignment of input.analysis?.assignments ?? []) consider(assignment.name, assignment.value);
    for (const inv of invocations(input)) for (const [name, value] of inv.env) consider(name, value);
    return hits;
  },
};

const notUnderstoodRule: Rule = {
  id: 'not-understood',
  category: 'unanalysable',
  description:
    'a program, option or inline code the guard cannot follow (an unknown program, arguments fed by xargs, code that runs programs)',
  decision: 'deny',
  alternative:
    'Write the command plainly: known programs with literal arguments, one step at a time; put other code in a file in the project and run it by its path',
  tools: SHELL_TOOLS,
  check(input) {
    const hits: Hit[] = [];
    for (const inv of invocations(input))
      for (const detail of notUnderstood(
        inv,
        input.repoRoot,
        (input.config.programs ?? []).map((entry) => entry.name),
      ))
        hits.push({ detail, decision: input.config.unanalysable });
    for (const code of input.analysis?.opaqueCode ?? []) {
      const detail = opaqueInlineCode(code);
      if (detail) hits.push({ detail, decision: input.config.unanalysable });
    }
    return hits;
  },
};

export const builtinRules: readonly Rule[] = [
  noVerify,
  hookEnvironment,
  hooksPath,
  recursiveDelete,
  protectedFiles,
  selfException,
  forcePush,
  pushProtected,
  resetHard,
  cleanForce,
  discardChanges,
  branchForceDelete,
  secretFiles,
  secretContent,
  networkExec,
  unanalysable,
  notUnderstoodRule,
  gitRefs,
  gitPrograms,
  secretGit,
  secretEnvironment,
  secretPrinters,
  controlWriters,
  findSelection,
  protectedBranchMoves,
  externalEffects,
  patchWrites,
  packageJsonConfig,
  factorySetup,
  secretGitOutput,
  secretGitConfig,
  runsElsewhere,
];
