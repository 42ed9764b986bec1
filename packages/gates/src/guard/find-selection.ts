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

function plan(inv: Invocation): Plan {
  const args = inv.args;
  const argv: string[] = [];
  const writtenFiles: Arg[] = [];
  let change: Plan['change'];
  let read: string | undefined;
  let actions = 0;
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
      argv.push('-true');
      continue;
    }
    if (PRINTS_WITH_VALUE.test(text)) {
      argv.push('-true');
      i++;
      continue;
    }
    if (arg.glob) problem ??= `${arg.raw} is a pattern the shell expands before find sees it (quote it)`;
    argv.push(text);
  }
  // Another -exec (or -delete) beside the changing one may be a test that decides what it reaches (its
  // exit status, negated with !, cannot be stood in for): such a selection cannot be run read-only.
  if (change && actions > 1) problem ??= 'another -exec decides what the changing action reaches';
  if (depth) {
    const firstTest = argv.findIndex((word) => /^[-(!]/.test(word) && !['-H', '-L', '-P'].includes(word));
    argv.splice(firstTest < 0 ? argv.length : firstTest, 0, '-depth');
  }
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

export const findSelection: Rule = {
  id: 'find-selection',
  category: 'gate-skip',
  description:
    'find selecting control files for an action that changes them (-exec rm/sed -i/chmod, -delete, -fprint), or secret files for one that reads them',
  decision: 'deny',
  alternative:
    'Narrow the find to the files you mean (a folder such as src, -name patterns, -path ./.husky -prune), or name the files; control files are the human’s to change, secret files stay unread',
  tools: ['Bash'],
  check(input: RuleInput) {
    const hits: Hit[] = [];
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    for (const inv of input.analysis?.invocations ?? []) {
      if (
        inv.program !== 'find' ||
        !inv.args.some((arg) =>
          /^-(exec|execdir|ok|okdir|delete|fprint0?|fprintf|fls)$/.test(arg.value ?? ''),
        )
      )
        continue;
      const steps = plan(inv);
      for (const file of steps.writtenFiles) {
        if (file.value === undefined || inv.cwd === undefined) continue;
        const reason = protectedReason(resolve(inv.cwd, file.value), ctx, false);
        if (reason) hits.push({ detail: `find -fprint ${file.raw}: ${reason}` });
      }
      if (!steps.change && !steps.read) continue;
      const unknown = (why: string): Hit => ({
        detail: `find ${steps.change?.verb ?? steps.read}: ${why}, so what it reaches cannot be checked`,
        decision: input.config.unanalysable,
      });
      if (inv.cwd === undefined) {
        if (steps.change) hits.push(unknown('the folder it runs in is only known at run time'));
        continue;
      }
      if (steps.problem) {
        if (steps.change) hits.push(unknown(steps.problem));
        continue;
      }
      const selected = select(steps.argv, inv.cwd);
      if (typeof selected === 'string') {
        if (steps.change) hits.push(unknown(selected));
        continue;
      }
      for (const path of selected) {
        const absolute = resolve(inv.cwd, path);
        const reason = steps.change
          ? protectedReason(absolute, ctx, steps.change.wholeTree)
          : secretReason(absolute, ctx);
        if (reason) {
          hits.push({ detail: `find ${steps.change?.verb ?? steps.read} selects ${path}: ${reason}` });
          break;
        }
      }
    }
    return hits;
  },
};
