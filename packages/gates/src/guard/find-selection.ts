import { spawnSync } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { fileEffects } from './effects.js';
import { protectedReason, secretReason } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Arg, Invocation } from './shell/analyze.js';

/**
 * What `find` selects for an action that changes files: `find . -name pre-commit -exec rm {} \;` and
 * `find . -path ./.git -prune -o -type f -exec sed -i s/a/b/ {} +` reach the control files although no
 * argument names one. The rule runs find's own selection at decision time, read-only (every action
 * replaced: the changing one by `-print0`, the printing ones by `-true`, `-depth` added where `-delete`
 * implies it), and refuses when it selects a control file; `-fprint FILE` and kin are writes of FILE. A
 * selection it cannot run that way (a run-time word, another `-exec` used as a test, a glob the shell would
 * expand first, a time-out) is refused too. Reading commands run by find (`-exec cat {} +`) are held to
 * the secret files the same way. Only a find with such an action pays for the extra process.
 */

const EXEC = /^-(exec|execdir|ok|okdir)$/;
const FIND_ACTION = /^-(exec|execdir|ok|okdir|delete|fprint0?|fprintf|fls)$/;
/** Actions that only print (to the terminal): they do not change what the changing action reaches. */
const PRINTS = /^-(print|print0|ls)$/;
const PRINTS_WITH_VALUE = /^-(printf)$/;
const WRITES_FILE = /^-(fprint|fprint0|fls)$/;
const WRITES_FILE_FORMAT = /^-(fprintf)$/;
/** Programs run by -exec that only describe files (no content, no change). */
const DESCRIBES = new Set([
  'ls',
  'stat',
  'file',
  'wc',
  'du',
  'echo',
  'printf',
  'test',
  '[',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'touch',
  'true',
  'false',
]);
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'env',
  'nice',
  'nohup',
  'command',
  'builtin',
  'exec',
  'stdbuf',
  'timeout',
]);

/** Bounds of the evaluation: beyond them the selection is too big to check (refused). */
const MAX_OUTPUT = 16 * 1024 * 1024;
const TIME_LIMIT_MS = 5000;

type Action =
  | { kind: 'change'; wholeTree: boolean; verb: string }
  | { kind: 'read'; verb: string }
  | { kind: 'other' };

function execAction(command: readonly Arg[], inv: Invocation): Action {
  let words = command;
  while (words.length > 1 && WRAPPERS.has(basename(words[0]!.value ?? ''))) words = words.slice(1);
  const program = basename(words[0]?.value ?? '');
  if (!program) return { kind: 'other' };
  const pseudo: Invocation = {
    ...inv,
    program,
    args: words.slice(1),
    redirects: [],
    via: [],
    items: undefined,
    stdin: undefined,
  };
  const effects = fileEffects(pseudo);
  const item = (arg: Arg) => (arg.value ?? arg.raw).includes('{}');
  const change = [...effects.writes, ...effects.deletes].find((target) => item(target.arg));
  if (change) return { kind: 'change', wholeTree: change.wholeTree, verb: `-exec ${program}` };
  if (DESCRIBES.has(program)) return { kind: 'other' };
  return words.slice(1).some(item) ? { kind: 'read', verb: `-exec ${program}` } : { kind: 'other' };
}

interface Plan {
  readonly argv: string[];
  readonly change?: { wholeTree: boolean; verb: string };
  readonly read?: string;
  readonly writtenFiles: Arg[];
  /** Why the selection cannot be run read-only. */
  readonly problem?: string;
}

/**
 * find's selection as a read-only find. `piped`: what find prints is the selection (`find ... | xargs rm`),
 * so its printing actions (or, with none, the implicit -print) become -print0, and any other action is a
 * problem.
 */
function plan(inv: Invocation, piped = false): Plan {
  const args = inv.args;
  const argv: string[] = [];
  const writtenFiles: Arg[] = [];
  let change: Plan['change'];
  let read: string | undefined;
  let actions = 0;
  let prints = 0;
  let depth = false;
  let problem: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const text = arg.value;
    if (text === undefined) {
      problem ??= `${arg.raw} is only known at run time`;
      argv.push(arg.raw);
      continue;
    }
    if (EXEC.test(text)) {
      let end = i + 1;
      while (end < args.length && ![';', '+'].includes(args[end]!.value ?? '')) end++;
      const action = execAction(args.slice(i + 1, end), inv);
      actions++;
      if (piped) problem ??= 'the find runs its own -exec as well';
      if (action.kind === 'change') {
        change ??= { wholeTree: action.wholeTree, verb: action.verb };
        argv.push('-print0');
      } else if (action.kind === 'read') {
        read ??= action.verb;
        argv.push('-print0');
      } else argv.push('-true');
      i = end;
      continue;
    }
    if (text === '-delete') {
      actions++;
      if (piped) problem ??= 'the find deletes as well';
      change ??= { wholeTree: false, verb: '-delete' };
      depth = true;
      argv.push('-print0');
      continue;
    }
    if (WRITES_FILE.test(text) || WRITES_FILE_FORMAT.test(text)) {
      if (args[i + 1]) writtenFiles.push(args[i + 1]!);
      argv.push('-true');
      i += WRITES_FILE_FORMAT.test(text) ? 2 : 1;
      continue;
    }
    if (PRINTS.test(text)) {
      prints++;
      argv.push(piped ? '-print0' : '-true');
      continue;
    }
    if (PRINTS_WITH_VALUE.test(text)) {
      prints++;
      argv.push(piped ? '-print0' : '-true');
      i++;
      continue;
    }
    if (arg.glob) problem ??= `${arg.raw} is a pattern the shell expands before find sees it (quote it)`;
    argv.push(text);
  }
  // Another -exec (or -delete) beside the changing one may be a test that decides what it reaches (its
  // exit status, negated with !, cannot be stood in for): such a selection cannot be run read-only.
  if (change && actions > 1) problem ??= 'another -exec decides what the changing action reaches';
  const firstTest = argv.findIndex((word) => /^[-(!]/.test(word) && !['-H', '-L', '-P'].includes(word));
  const at = firstTest < 0 ? argv.length : firstTest;
  // The implicit -print applies to the whole expression: ( EXPRESSION ) -print0.
  if (piped && prints === 0 && actions === 0) {
    const expression = argv.splice(at);
    argv.push(...(expression.length > 0 ? ['(', ...expression, ')'] : []), '-print0');
  }
  if (depth) argv.splice(at, 0, '-depth');
  return {
    argv,
    writtenFiles,
    ...(change ? { change } : {}),
    ...(read ? { read } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** The paths find selects, run read-only; a string says why it could not run. */
function select(argv: readonly string[], cwd: string): string[] | string {
  const result = spawnSync('find', argv, {
    cwd,
    timeout: TIME_LIMIT_MS,
    maxBuffer: MAX_OUTPUT,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LC_ALL: 'C', POSIXLY_CORRECT: '' },
  });
  if (result.error || result.signal)
    return 'the selection is too big to check in time (name the files, or narrow the find)';
  return result.stdout.toString('utf8').split('\0').filter(Boolean);
}

/** `find ... | xargs PROGRAM`: the find whose output xargs feeds to `inv`, and what `inv` does with it. */
function pipedFind(inv: Invocation): { find: Invocation; action: Action } | undefined {
  if (!inv.items || inv.items === 'unknown' || !inv.via.includes('xargs')) return undefined;
  if (inv.stdin?.kind !== 'pipe' || inv.stdin.producers.length !== 1) return undefined;
  const find = inv.stdin.producers[0]!;
  if (find.program !== 'find') return undefined;
  const item: Arg = { value: '{}', raw: '{}', dynamicStart: false, split: false, glob: false, fetch: false };
  const command = [{ ...item, value: inv.program, raw: inv.program }, ...inv.args];
  const action = execAction(inv.itemsReplace ? command : [...command, item], inv);
  return action.kind === 'other' ? undefined : { find, action };
}

function judgeSelection(input: RuleInput, find: Invocation, steps: Plan, cwd: string | undefined): Hit[] {
  const ctx = { repoRoot: input.repoRoot, home: input.home };
  const verb = steps.change?.verb ?? steps.read ?? '';
  const unknown = (why: string): Hit[] =>
    steps.change
      ? [
          {
            detail: `find ${verb}: ${why}, so what it reaches cannot be checked`,
            decision: input.config.unanalysable,
          },
        ]
      : [];
  if (cwd === undefined || find.cwd === undefined)
    return unknown('the folder it runs in is only known at run time');
  if (steps.problem) return unknown(steps.problem);
  const selected = select(steps.argv, find.cwd);
  if (typeof selected === 'string') return unknown(selected);
  for (const path of selected) {
    const absolute = resolve(find.cwd, path);
    const reason = steps.change
      ? protectedReason(absolute, ctx, steps.change.wholeTree)
      : secretReason(absolute, ctx);
    if (reason) return [{ detail: `find ${verb} selects ${path}: ${reason}` }];
  }
  return [];
}

export const findSelection: Rule = {
  id: 'find-selection',
  category: 'gate-skip',
  description:
    'find selecting control files for an action that changes them (-exec rm/sed -i/chmod, -delete, -fprint, | xargs rm), or secret files for one that reads them',
  decision: 'deny',
  alternative:
    'Narrow the find to the files you mean (a folder such as src, -name patterns, -path ./.husky -prune), or name the files; control files are the human’s to change, secret files stay unread',
  tools: ['Bash'],
  check(input: RuleInput) {
    const hits: Hit[] = [];
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    for (const inv of input.analysis?.invocations ?? []) {
      const fed = pipedFind(inv);
      if (fed) {
        const steps = plan(fed.find, true);
        const action = fed.action;
        const withAction: Plan =
          action.kind === 'change'
            ? { ...steps, change: { wholeTree: action.wholeTree, verb: `| xargs ${inv.program}` } }
            : { ...steps, read: `| xargs ${inv.program}` };
        hits.push(...judgeSelection(input, fed.find, withAction, inv.cwd));
        continue;
      }
      if (inv.program !== 'find' || !inv.args.some((arg) => FIND_ACTION.test(arg.value ?? ''))) continue;
      const steps = plan(inv);
      for (const file of steps.writtenFiles) {
        if (file.value === undefined || inv.cwd === undefined) continue;
        const reason = protectedReason(resolve(inv.cwd, file.value), ctx, false);
        if (reason) hits.push({ detail: `find -fprint ${file.raw}: ${reason}` });
      }
      if (steps.change || steps.read) hits.push(...judgeSelection(input, inv, steps, inv.cwd));
    }
    return hits;
  },
};
