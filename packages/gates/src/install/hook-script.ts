import { stagedDiffShell } from '../gate/staged-diff.js';
import { shellQuote } from '../guard/hook-entries.js';
import { prefilterCasePattern } from '../secrets/rules.js';

/**
 * The shell that factory writes into git hooks (husky's `.husky/<hook>` scripts).
 *
 * How a hook finds `factory` (documented in docs/gates.md):
 * - personal mode: the absolute paths of node and of factory's bin, recorded at init, are written into the
 *   hook (no lookup, no npx: nothing to be slow, nothing to be shadowed).
 * - team mode (committed, so no machine's paths in it): `./node_modules/.bin/factory`, else the paths this
 *   clone recorded at init in git config (`factory.node`, `factory.bin`), else `factory` on PATH.
 * When none works the hook prints the fix and exits 1: the commit is refused, never waved through.
 */
export const blockStart = '# >>> factory >>>';
export const blockEnd = '# <<< factory <<<';
export const ownedFileHeader =
  '# Written by factory init, which rewrites this file: put your own commands in';

/**
 * The first line of the hooks git starts directly: `/bin/sh` itself, not `/usr/bin/env sh`, which is one
 * process more (env, and its search of PATH) on every hook of every commit and push.
 */
const hookShebang = '#!/bin/sh';

export interface Locator {
  readonly mode: 'personal' | 'team';
  readonly nodePath: string;
  readonly binPath: string;
}

/** Hooks whose stdin carries data that both factory and a chained hook need. */
const stdinHooks = new Set(['pre-push', 'post-rewrite']);

function unreachable(mode: 'personal' | 'team', detail: string): string {
  const fix =
    mode === 'personal'
      ? 'reinstall factory, then run factory init in this repository again (factory doctor shows every problem)'
      : 'install factory (npm install, or put factory on PATH), or run factory init in this clone to record where it is';
  return `factory: refused: the factory gate is not reachable from this git hook (${detail}); fix: ${fix}.`;
}

function locatorFunction(locator: Locator): string[] {
  if (locator.mode === 'personal') {
    const node = shellQuote(locator.nodePath);
    const bin = shellQuote(locator.binPath);
    const message = shellQuote(
      unreachable('personal', `${locator.binPath} run by ${locator.nodePath}, recorded by factory init`),
    );
    return [
      'factory_run() {',
      `  if [ ! -x ${node} ] || [ ! -f ${bin} ]; then echo ${message} >&2; return 1; fi`,
      `  ${node} ${bin} "$@"`,
      '}',
    ];
  }
  const message = shellQuote(
    unreachable('team', 'no node_modules/.bin/factory, no factory.bin in git config, no factory on PATH'),
  );
  return [
    'factory_run() {',
    '  if [ -x ./node_modules/.bin/factory ]; then ./node_modules/.bin/factory "$@"; return; fi',
    '  factory_node=$(git config --get factory.node || true)',
    '  factory_bin=$(git config --get factory.bin || true)',
    '  if [ -n "$factory_bin" ] && [ -f "$factory_bin" ] && [ -x "$factory_node" ]; then "$factory_node" "$factory_bin" "$@"; return; fi',
    '  if command -v factory >/dev/null 2>&1; then factory "$@"; return; fi',
    `  echo ${message} >&2`,
    '  return 1',
    '}',
  ];
}

export interface HookPlan {
  readonly name: string;
  /** Run `factory gate <name>` in this hook. */
  readonly gate: boolean;
  /** post-checkout in personal mode: set up a worktree that `git worktree add` just made. */
  readonly setUpWorktree?: boolean;
  /** Earlier hooks of this name to keep running, after the gate (shell words: quoted paths or expressions). */
  readonly chain: readonly string[];
  /**
   * A POSIX extended regular expression over the hook's first argument (the message file of commit-msg):
   * the gate starts only when a line matches (or the file cannot be read). Saves a node process on most
   * commits; the shell matches it itself (see prefilterCasePattern).
   */
  readonly prefilter?: string;
}

/** The managed block of one hook. */
export function hookBlock(plan: HookPlan, locator: Locator): string {
  const feed = stdinHooks.has(plan.name);
  const lines = [
    blockStart,
    '# managed by factory init: lines between these markers are replaced when it runs again',
  ];
  // The input read by the shell itself: `$(cat)` would start a process on every push.
  if (feed)
    lines.push(
      'factory_input=',
      'while IFS= read -r factory_line || [ -n "$factory_line" ]; do factory_input="${factory_input:+$factory_input',
      '}$factory_line"; done',
    );
  const pipe = feed ? `printf '%s\\n' "$factory_input" | ` : '';
  if (plan.gate || plan.setUpWorktree) lines.push(...locatorFunction(locator));
  if (plan.gate) {
    if (plan.name === 'pre-push') {
      // A push of commits that already went to this remote through a passing gate (the gate leaves
      // .factory/pushed/<remote>/<sha>) needs no node process: nothing new leaves the machine.
      lines.push(
        'factory_known=1',
        `case "$1" in ''|.*|*[!A-Za-z0-9._-]*) factory_known=0 ;; esac`,
        '[ -n "$factory_input" ] || factory_known=0',
        'if [ "$factory_known" = 1 ]; then',
        '  while read -r factory_lref factory_lsha factory_rref factory_rsha; do',
        `    case "$factory_lsha" in *[!0]*) [ -f ".factory/pushed/$1/$factory_lsha" ] || factory_known=0 ;; esac`,
        '  done <<factory_refs',
        '$factory_input',
        'factory_refs',
        'fi',
        `if [ "$factory_known" != 1 ]; then ${pipe}factory_run gate ${plan.name} "$@" || exit $?; fi`,
      );
    } else if (plan.prefilter) {
      // The shell matches each line itself (prefilterCasePattern: the same alternatives as `grep -iE`), so
      // an ordinary message starts no process at all. A file it cannot read runs the gate (status 2): the
      // filter never waves a message through unread.
      lines.push(
        'factory_filter=1',
        '{ while IFS= read -r factory_line || [ -n "$factory_line" ]; do',
        `  case "$factory_line" in ${prefilterCasePattern(plan.prefilter)}) factory_filter=0; break ;; esac`,
        'done <"$1"; } 2>/dev/null || factory_filter=2',
        `if [ "$factory_filter" -ne 1 ]; then ${pipe}factory_run gate ${plan.name} "$@" || exit $?; fi`,
      );
    } else if (plan.name === 'pre-commit') {
      // git lists what is staged while node starts (staged-diff.ts).
      lines.push(`${stagedDiffShell} | factory_run gate pre-commit --staged-from-stdin "$@" || exit $?`);
    } else lines.push(`${pipe}factory_run gate ${plan.name} "$@" || exit $?`);
  }
  if (plan.setUpWorktree) {
    // git worktree add runs post-checkout with the null commit as the previous HEAD, in the new worktree.
    const failed = shellQuote(
      'factory: could not set up this new worktree (config, guard, skills); run factory init in it.',
    );
    lines.push(
      `if [ "$1" = 0000000000000000000000000000000000000000 ] && [ -f .git ]; then factory_run init --yes >/dev/null || echo ${failed} >&2; fi`,
    );
  }
  for (const hook of plan.chain) {
    lines.push(`if [ -x ${hook} ]; then ${pipe}${hook} "$@" || exit $?; fi`);
  }
  lines.push(blockEnd);
  return `${lines.join('\n')}\n`;
}

/** A whole hook file that factory owns. */
export function ownedHookFile(plan: HookPlan, locator: Locator): string {
  return `#!/usr/bin/env sh\n${ownedFileHeader} another hook manager or a file that factory does not own.\n${hookBlock(plan, locator)}`;
}

/** A personal wrapper that replaces husky's stub in `.husky/_/<hook>`: the gate, then husky as before. */
export function huskyWrapperFile(plan: HookPlan, locator: Locator): string {
  return `#!/usr/bin/env sh\n${hookBlock(plan, locator)}. "$(dirname "$0")/h"\n`;
}

/** factory's hook in its own folder beside a team's husky: the gate, then what it chains (husky's stub last). */
export function dispatchHookFile(plan: HookPlan, locator: Locator): string {
  return `${hookShebang}\n${hookBlock(plan, locator)}`;
}

/** factory's hook of a name it does not gate, beside a team's husky: husky's stub runs as before. */
export function huskyPassThrough(name: string): string {
  return `${hookShebang}\n[ -x .husky/_/${name} ] || exit 0\nexec .husky/_/${name} "$@"\n`;
}

/**
 * `.husky/_/<hook>` when factory owns `.husky/` (personal mode): what husky's stub and its `h` do (HUSKY=2
 * traces, ~/.config/husky/init.sh, HUSKY=0 skips, node_modules/.bin on PATH, `.husky/<hook>` under `sh -e`),
 * in the shell git started. husky's `h` spends four processes (basename, three dirname) and a second shell on
 * every hook; a pre-commit, commit-msg or pre-push hook here costs one shell and the gate. A script that
 * factory wrote whole (`sourced`) is read into this shell under `set -e`; any other runs in `sh -e` as h
 * runs it. husky's own install (`npx husky`) puts its stub back: the hook then works as before, slower.
 */
export function directDispatchFile(name: string, sourced: boolean): string {
  const run = sourced ? 'set -e\n. "$factory_script"' : 'exec sh -e "$factory_script" "$@"';
  return `${hookShebang}
${ownedFileHeader} another hook manager or a file that factory does not own.
# factory: husky's dispatch (.husky/_/h) for ${name}, without its helper processes.
[ "\${HUSKY-}" = 2 ] && set -x
factory_script="\${0%/*/*}/${name}"
[ -f "$factory_script" ] || exit 0
factory_init="\${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$factory_init" ] && . "$factory_init"
[ "\${HUSKY-}" = 0 ] && exit 0
export PATH="node_modules/.bin:$PATH"
${run}
`;
}

/** Husky's own stub for a hook (what `.husky/_/<hook>` holds when factory's wrapper is not there). */
export const huskyStub = '#!/usr/bin/env sh\n. "$(dirname "$0")/h"';

/** Puts the block into an existing script: replaces factory's earlier block, or appends one. */
export function mergeBlock(existing: string, block: string): string {
  const start = existing.indexOf(blockStart);
  const end = existing.indexOf(blockEnd);
  if (start !== -1 && end > start) {
    return existing.slice(0, start) + block + existing.slice(end + blockEnd.length).replace(/^\n/, '');
  }
  const base = existing.length === 0 || existing.endsWith('\n') ? existing : `${existing}\n`;
  return `${base}${block}`;
}

/** Removes factory's block (used when a hook no longer needs one). */
export function removeBlock(existing: string): string {
  const start = existing.indexOf(blockStart);
  const end = existing.indexOf(blockEnd);
  if (start === -1 || end < start) return existing;
  return existing.slice(0, start) + existing.slice(end + blockEnd.length).replace(/^\n/, '');
}

export function hasBlock(text: string): boolean {
  return text.includes(blockStart) && text.includes(blockEnd);
}

/** The hook factory installs at the point of effect; husky has no stub for it, so factory writes its own. */
export const referenceTransactionHook = 'reference-transaction';

/**
 * `.husky/_/reference-transaction`: git runs it for every ref update (also under `commit --no-verify`).
 * It does not go through husky's dispatcher, which exits 0 under HUSKY=0. The shell passes on only the
 * `prepared` updates of local branches to a commit, so fetch, tags, stash and remote-tracking refs never
 * start node; a factory that cannot be found refuses the update.
 */
export function referenceTransactionFile(locator: Locator): string {
  return [
    hookShebang,
    `${ownedFileHeader} another hook manager or a file that factory does not own.`,
    '# factory: a branch moves only to a commit whose tree the gates passed (see factory doctor).',
    '[ "$1" = prepared ] || exit 0',
    "factory_nl='",
    "'",
    'factory_input=',
    'factory_tips=',
    'while read -r old new ref; do',
    '  case "$ref" in refs/heads/*) ;; *) continue ;; esac',
    '  case "$new" in *[!0]*) factory_input="$factory_input$old $new $ref',
    '" factory_tips="$factory_tips$new^{tree} " ;; esac',
    'done',
    '[ -n "$factory_input" ] || exit 0',
    // The common case without node (about 40 ms): every new tip's tree is one the pre-commit gate passed,
    // and that gate checked the control files just before. One git process: the shared git folder (where
    // the worktrees' passed trees are: core's sharedFactoryDir) and the tree of every new tip.
    '# shellcheck disable=SC2086',
    'factory_out=$(git rev-parse --git-common-dir $factory_tips 2>/dev/null) || factory_out=',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'factory_common=${factory_out%%"$factory_nl"*}',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'factory_trees=${factory_out#*"$factory_nl"}',
    '[ "$factory_trees" != "$factory_out" ] || factory_trees=',
    'case "$factory_common" in',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    '  .git | */.git) factory_dir="${factory_common%.git}.factory" ;;',
    '  *) factory_dir="$factory_common/factory" ;;',
    'esac',
    // The tree the last pre-commit gate passed is read by the shell itself: no grep for the usual commit.
    'factory_last=',
    '{ read -r factory_last <"$factory_dir/passed-tree-last"; } 2>/dev/null',
    'factory_known=1',
    'for factory_tree in $factory_trees; do',
    '  [ "$factory_tree" = "$factory_last" ] && continue',
    '  grep -qxF "$factory_tree" "$factory_dir/passed-trees" 2>/dev/null || { factory_known=; break; }',
    'done',
    '[ -n "$factory_trees" ] && [ -n "$factory_known" ] && exit 0',
    ...locatorFunction(locator),
    `printf '%s' "$factory_input" | factory_run gate ${referenceTransactionHook} prepared || exit 1`,
    '',
  ].join('\n');
}
