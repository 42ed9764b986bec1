import { resolve } from 'node:path';
import { gitCalls, operands } from './effects.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Protected branches (guard.protectedBranches) moved or rewritten locally by commands that are not pushes:
 * `git branch -m main old` (renaming it away; -M and -f are git-refs' already), `git rebase ... main` and a
 * rebase while on one (rewriting it), `git fetch . HEAD:main`, `git fetch --force origin x:main`,
 * `git pull origin feature:main` (fetch refspecs whose destination is one). Updating a protected branch to
 * the remote's state of the same branch (`git fetch origin main:main`, without force) passes: it is what a
 * pull on that branch does.
 */

function protectedBranch(name: string | undefined, patterns: readonly string[]): boolean {
  if (name === undefined) return false;
  const branch = name.replace(/^refs\/heads\//, '');
  return patterns.some((pattern) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(branch),
  );
}

const REBASE_VALUED = [
  '--onto',
  '--strategy',
  '-s',
  '-X',
  '--strategy-option',
  '--exec',
  '-x',
  '--gpg-sign',
  '--whitespace',
  '-C',
  '--empty',
  '--rebase-merges',
];
const REBASE_CONTROL = /^--(abort|continue|skip|quit|edit-todo|show-current-patch)$/;

function rebaseHits(
  rest: Invocation['args'],
  branch: string | undefined,
  patterns: readonly string[],
): Hit[] {
  const flags = rest.map((arg) => arg.value ?? '');
  if (flags.some((flag) => REBASE_CONTROL.test(flag))) return [];
  const { words } = operands(rest, 'sXxC', REBASE_VALUED);
  const root = flags.includes('--root');
  // git rebase [upstream [branch]]; with --root: git rebase --root [branch].
  const named = root ? words[0] : words[1];
  if (named !== undefined) {
    if (named.value === undefined) return [{ detail: 'git rebase of a branch only known at run time' }];
    return protectedBranch(named.value, patterns)
      ? [{ detail: `git rebase ${named.value} rewrites the protected branch ${named.value}` }]
      : [];
  }
  return protectedBranch(branch, patterns)
    ? [{ detail: `git rebase on the protected branch ${branch} rewrites it` }]
    : [];
}

function branchRenameHits(
  rest: Invocation['args'],
  branch: string | undefined,
  patterns: readonly string[],
): Hit[] {
  const flags = rest.map((arg) => arg.value ?? '');
  const renames = flags.some((flag) => /^(-m|--move|-c|--copy)$/.test(flag) || /^-[a-zA-Z]*[mc]$/.test(flag));
  if (!renames) return [];
  const { words } = operands(rest, 'u', ['--set-upstream-to']);
  const names = words.map((word) => word.value);
  const [from, to] = names.length >= 2 ? [names[0], names[1]] : [branch, names[0]];
  const copy = flags.some((flag) => /^(-c|--copy)$/.test(flag) || /^-[a-zA-Z]*c$/.test(flag));
  const hits: Hit[] = [];
  if (!copy && protectedBranch(from, patterns))
    hits.push({ detail: `git branch -m renames the protected branch ${from} away` });
  if (protectedBranch(to, patterns))
    hits.push({ detail: `git branch -m/-c makes ${from ?? 'a branch'} the protected branch ${to}` });
  return hits;
}

const FETCH_VALUED = [
  '--depth',
  '--deepen',
  '--shallow-since',
  '--shallow-exclude',
  '--refmap',
  '--recurse-submodules-default',
  '--upload-pack',
  '--server-option',
  '--negotiation-tip',
  '-o',
  '-j',
  '--jobs',
  '--strategy',
  '-s',
  '-X',
  '--strategy-option',
  '--gpg-sign',
  '-S',
];

function fetchHits(sub: string, rest: Invocation['args'], patterns: readonly string[]): Hit[] {
  const flags = rest.map((arg) => arg.value ?? '');
  const force = flags.some(
    (flag) => flag === '--force' || (/^-[a-zA-Z]*f$/.test(flag) && !flag.startsWith('--')),
  );
  const { words } = operands(rest, 'ojsXS', FETCH_VALUED);
  const [remote, ...refspecs] = words.map((word) => word.value);
  const local = remote === '.' || (remote !== undefined && /^(\/|\.\.?\/|file:)/.test(remote));
  const hits: Hit[] = [];
  for (const spec of refspecs) {
    if (spec === undefined) {
      hits.push({ detail: `git ${sub} with a refspec only known at run time` });
      continue;
    }
    const colon = spec.indexOf(':');
    if (colon < 0) continue;
    const source = spec
      .slice(0, colon)
      .replace(/^\+/, '')
      .replace(/^refs\/heads\//, '');
    const destination = spec.slice(colon + 1);
    if (!protectedBranch(destination, patterns)) continue;
    const sameBranch = source === destination.replace(/^refs\/heads\//, '');
    if (force || spec.startsWith('+') || local || !sameBranch)
      hits.push({
        detail: `git ${sub} ${spec} moves the protected branch ${destination} to ${local ? 'a local commit' : source}${force || spec.startsWith('+') ? ' by force' : ''}`,
      });
  }
  return hits;
}

/** `git reset COMMIT` moves the branch; `git reset [HEAD] -- paths` (or existing paths) only unstages. */
function resetMoves(input: RuleInput, inv: Invocation, rest: Invocation['args']): boolean {
  const dash = rest.findIndex((arg) => arg.value === '--');
  const { words } = operands(dash >= 0 ? rest.slice(0, dash) : rest, '', ['--pathspec-from-file']);
  const target = words[0];
  if (target === undefined) return false;
  if (target.value === undefined) return true;
  if (target.value === 'HEAD' || target.value === '@') return false;
  const dir = inv.cwd ?? input.cwd;
  return !input.exists(resolve(dir, target.value));
}

export const protectedBranchMoves: Rule = {
  id: 'protected-branch-moves',
  category: 'history',
  description:
    'moving or rewriting a protected branch locally: git branch -m main, git rebase of main, git fetch/pull refspecs into main (. HEAD:main, --force, another branch), git reset COMMIT and commit --amend while on main',
  decision: 'deny',
  alternative:
    'Work on a feature branch (git switch -c NAME) and open a pull request; to update main from the remote, git fetch origin main:main or git pull on main; ask the human to rename or rewrite a protected branch',
  tools: ['Bash', 'PowerShell'],
  check(input: RuleInput) {
    const hits: Hit[] = [];
    const patterns = input.config.protectedBranches;
    for (const {
      inv,
      git: { subcommand, rest },
    } of gitCalls(input.analysis?.invocations ?? [])) {
      const branch = () => input.currentBranch(inv.cwd ?? input.cwd);
      if (subcommand === 'rebase') hits.push(...rebaseHits(rest, branch(), patterns));
      else if (subcommand === 'reset' || subcommand === 'commit') {
        // What would move comes first: reading the checked-out branch costs file reads.
        const amend =
          subcommand === 'commit' &&
          rest.some((arg) => /^--amen?d?$/.test(arg.value ?? '') && (arg.value ?? '').length >= 5);
        const moves = subcommand === 'reset' && resetMoves(input, inv, rest);
        if (!amend && !moves) continue;
        const current = branch();
        if (!protectedBranch(current, patterns)) continue;
        hits.push({
          detail: amend
            ? `git commit --amend on the protected branch ${current} rewrites its last commit`
            : `git reset moves the protected branch ${current}`,
        });
      } else if (subcommand === 'branch') hits.push(...branchRenameHits(rest, branch(), patterns));
      else if (subcommand === 'fetch' || subcommand === 'pull')
        hits.push(...fetchHits(subcommand, rest, patterns));
    }
    return hits;
  },
};
