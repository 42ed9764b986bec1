import { readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type FileTarget, fileEffects, type GitCall, gitSubcommand } from './effects.js';
import {
  globBase,
  isInside,
  protectedGlobReason,
  protectedReason,
  secretGlobReason,
  secretReason,
} from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import { findSecrets } from './secrets.js';
import type { Arg, Invocation } from './shell/analyze.js';
import { notUnderstood, opaqueInlineCode } from './shell/programs.js';

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
      if (arg.dynamicStart || arg.split) scan.risky.push(arg);
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

interface GitInvocation {
  readonly inv: Invocation;
  readonly git: GitCall;
}

function gitCalls(input: RuleInput): GitInvocation[] {
  return invocations(input)
    .filter((inv) => inv.program === 'git')
    .map((inv) => ({ inv, git: gitSubcommand(inv.args) }));
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

const hookEnvironment: Rule = {
  id: 'skip-variables',
  category: 'gate-skip',
  description: 'HUSKY=0, the factory skip variables and GIT_CONFIG_* switch the hooks off',
  decision: 'deny',
  alternative:
    'Do not set hook-skipping variables; run git normally and fix what the gates report. A human may record a skip with a reason',
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
    };
    for (const assignment of input.analysis?.assignments ?? []) consider(assignment.name, assignment.value);
    for (const inv of invocations(input)) for (const [name, value] of inv.env) consider(name, value);
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
  // Through symbolic links too: a link made earlier (x -> .husky/pre-commit) is the file it points to.
  const reason = judge(path, arg.glob) ?? (arg.glob ? undefined : judge(realPath(path), false));
  return reason ? [{ detail: `${target.verb} ${arg.raw}: ${reason}` }] : [];
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
      if (inv.program === 'find' && inv.args.some((arg) => arg.value === '-delete')) {
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
        if (detail) hits.push({ detail });
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
    return longIs(scan.longs, '--hard', 4) ? 'git reset --hard discards uncommitted changes' : undefined;
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
    return force && !dry ? 'git clean -f deletes untracked files' : undefined;
  },
);

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
      const scan = scanGit(git.rest, 'bBU', ['--orphan', '--conflict', '--pathspec-from-file']);
      if (scan.shorts.has('f') || longIs(scan.longs, '--force', 4))
        return 'git checkout --force discards local changes';
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
      const scan = scanGit(git.rest, 's', ['--source', '--pathspec-from-file', '--conflict']);
      const staged = scan.shorts.has('S') || longIs(scan.longs, '--staged', 4);
      const worktree = scan.shorts.has('W') || longIs(scan.longs, '--worktree', 3);
      return !staged || worktree ? 'git restore discards the working-tree edits of those paths' : undefined;
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

function removalHits(input: RuleInput, what: string, path: string, glob: boolean): Hit[] {
  const project = input.repoRoot ?? input.cwd;
  const home = input.home;
  const base = glob ? globBase(path) : path;
  // A glob's expansions lie strictly inside its base: `rm -rf build/*` stays in build/.
  if (glob) {
    if (isInside(base, project)) return [];
    return [{ detail: `${what} ${path} reaches outside the project (${project})` }];
  }
  if (base === '/') return [{ detail: `${what} / removes the whole file system` }];
  if (isInside(home, base)) return [{ detail: `${what} ${base} removes the home folder` }];
  if (isInside(project, base)) return [{ detail: `${what} ${base} removes the project root` }];
  if (!isInside(base, project)) return [{ detail: `${what} ${base} is outside the project (${project})` }];
  return [];
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
                ...removalHits(input, `${inv.via.at(-1) ?? 'xargs'} ${inv.program} under`, path, true),
              );
            }
          }
      }
      if (inv.program === 'find' && inv.args.some((arg) => arg.value === '-delete')) {
        for (const root of findRootsOf(inv.args)) {
          if (root.value === undefined)
            hits.push(unknown(`find -delete under ${root.raw}, only known at run time`));
          else {
            const path = resolve(inv.cwd ?? input.cwd, root.value);
            if (!isInside(path, input.repoRoot ?? input.cwd))
              hits.push({ detail: `find ${root.raw} -delete removes files outside the project` });
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
        hits.push(...removalHits(input, `${target.verb} -r`, path, arg.glob));
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
  const out: Arg[] = [];
  for (const arg of args) {
    const text = arg.value;
    if (text === undefined) continue;
    out.push(arg);
    const eq = text.indexOf('=');
    if (text.startsWith('-') && eq > 0) out.push({ ...arg, value: text.slice(eq + 1) });
    if (text.startsWith('@')) out.push({ ...arg, value: text.slice(1) });
    if (/^[a-z]+=/.test(text)) out.push({ ...arg, value: text.slice(eq + 1).replace(/^[@<]/, '') });
  }
  return out;
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
      for (const arg of candidates) {
        if (arg.value === undefined || seen.has(arg.value) || /^[a-z+]+:\/\//i.test(arg.value)) continue;
        seen.add(arg.value);
        const path = arg.value.startsWith('/') ? arg.value : resolve(inv.cwd ?? input.cwd, arg.value);
        const reason = arg.glob ? secretGlobReason(path, ctx) : secretReason(path, ctx);
        if (reason) hits.push({ detail: `${inv.program} ${arg.raw}: ${reason}` });
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
      for (const detail of notUnderstood(inv, input.repoRoot))
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
];
