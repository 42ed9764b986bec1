import { shellQuote } from '../guard/hook-entries.js';

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
}

/** The managed block of one hook. */
export function hookBlock(plan: HookPlan, locator: Locator): string {
  const feed = stdinHooks.has(plan.name);
  const lines = [
    blockStart,
    '# managed by factory init: lines between these markers are replaced when it runs again',
  ];
  if (feed) lines.push('factory_input=$(cat)');
  const pipe = feed ? `printf '%s\\n' "$factory_input" | ` : '';
  if (plan.gate || plan.setUpWorktree) lines.push(...locatorFunction(locator));
  if (plan.gate) lines.push(`${pipe}factory_run gate ${plan.name} "$@" || exit $?`);
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
  return `#!/usr/bin/env sh\n${hookBlock(plan, locator)}`;
}

/** factory's hook of a name it does not gate, beside a team's husky: husky's stub runs as before. */
export function huskyPassThrough(name: string): string {
  return `#!/usr/bin/env sh\n[ -x .husky/_/${name} ] || exit 0\nexec .husky/_/${name} "$@"\n`;
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
