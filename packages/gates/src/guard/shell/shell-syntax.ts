import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, resolve } from 'node:path';

/**
 * The shell's own word on a command the guard's parser cannot parse. Failing closed on every parse error
 * also refuses commands that cannot do anything: bash reads a one-line command as one unit and, on a
 * syntax error anywhere in it, runs none of it (`echo 'unterminated`, `touch x; echo "oops` creates
 * nothing). So, rather than trust our parser's reading of where a quote ends, the guard asks the shells
 * themselves, with `-n` (parse, run nothing): when every shell Claude Code could run the command with
 * reports a syntax error and the command is a single line, nothing of it runs and it may pass.
 *
 * How Claude Code (2.1.330) runs a Bash call: `<shell> -c '<setup> && eval '\''<command>'\'' < /dev/null
 * && pwd -P >| <file>'`, where the shell is the first usable of $CLAUDE_CODE_SHELL and $SHELL (when they
 * name bash or zsh), bash and zsh on PATH, and bash and zsh in /bin, /usr/bin, /usr/local/bin and
 * /opt/homebrew/bin. Which one it picks depends on the order and on $SHELL, so every one that exists here
 * is asked, and all must refuse the line. bash's `eval` parses and runs line by line: with a line break
 * before the broken part, the first line runs (`touch x` newline `echo "oops`), hence the single-line
 * condition (no line break of any kind, no NUL). zsh's eval parses the whole text first.
 *
 * The shells run with the hook's environment minus what makes a shell read code at start (BASH_ENV, ENV,
 * exported functions; zsh -n runs no startup file), with a time-out; anything unexpected (a shell that
 * cannot start, times out, is killed, or answers with another status) keeps the refusal.
 */

export type ShellSyntaxVerdict =
  | {
      readonly runsNothing: true;
      /** The first shell's error message (`bash: -c: line 1: unexpected EOF while looking for ...`). */
      readonly message: string;
      readonly shells: readonly string[];
    }
  | { readonly runsNothing: false; readonly why: string };

/** Where Claude Code 2.1.330 looks for bash and zsh after $CLAUDE_CODE_SHELL, $SHELL and PATH. */
const SHELL_FOLDERS = ['/bin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'];
const SHELL_NAMES = ['bash', 'zsh'] as const;
type ShellFamily = (typeof SHELL_NAMES)[number];
/** The exit status of `SHELL -n -c -- TEXT` for a syntax error (bash 3.2 to 5.2; zsh 5). */
const SYNTAX_ERROR_STATUS: Record<ShellFamily, number> = { bash: 2, zsh: 1 };
/** Parsing a line of at most 64 KiB takes milliseconds; a shell that takes longer is not trusted. */
const CHECK_TIMEOUT_MS = 3000;
/** Anything a shell or Claude Code could read as the end of a line, and NUL (which no argv can carry). */
const LINE_BREAK_OR_NUL = /[\n\r\v\f\u0085\u2028\u2029\0]/;

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function familyOf(path: string): ShellFamily | undefined {
  const name = basename(path);
  const bash = name.includes('bash');
  const zsh = name.includes('zsh');
  if (bash === zsh) return undefined;
  return bash ? 'bash' : 'zsh';
}

/**
 * Every shell Claude Code could run a Bash call with on this machine, or why that cannot be told.
 * Mirrors Claude Code's search (see above), keeping all candidates instead of the first.
 */
export function claudeCodeShells(
  env: NodeJS.ProcessEnv,
): { readonly shells: readonly string[] } | { readonly why: string } {
  const candidates: string[] = [];
  for (const named of [env.CLAUDE_CODE_SHELL, env.SHELL]) {
    if (!named || !(named.includes('bash') || named.includes('zsh'))) continue;
    if (!isAbsolute(named)) return { why: `the shell ${named} is not named by an absolute path` };
    candidates.push(named);
  }
  for (const name of SHELL_NAMES) {
    for (const folder of (env.PATH ?? '').split(delimiter)) {
      const path = resolve(folder || '.', name);
      if (isExecutableFile(path)) {
        candidates.push(path);
        break;
      }
    }
  }
  for (const folder of SHELL_FOLDERS) for (const name of SHELL_NAMES) candidates.push(`${folder}/${name}`);
  const shells: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (!isExecutableFile(candidate)) continue;
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue;
    }
    if (!familyOf(candidate)) return { why: `the shell ${candidate} is neither bash nor zsh` };
    const key = `${real}\0${familyOf(candidate)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    shells.push(candidate);
  }
  if (shells.length === 0) return { why: 'there is no bash or zsh to ask' };
  return { shells };
}

/** The environment a syntax check runs with: the hook's, minus what makes a shell run code at start. */
function checkEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name === 'BASH_ENV' || name === 'ENV' || name.startsWith('BASH_FUNC_'))
      continue;
    out[name] = value;
  }
  return out;
}

/**
 * Whether the shells Claude Code could use would run nothing of `command`: a single line that every one
 * of them refuses as a syntax error.
 */
export function shellRunsNothing(command: string, env: NodeJS.ProcessEnv = process.env): ShellSyntaxVerdict {
  if (process.platform === 'win32') return { runsNothing: false, why: 'the check is not made on Windows' };
  if (LINE_BREAK_OR_NUL.test(command))
    return {
      runsNothing: false,
      why: 'it has more than one line (the shell runs the lines before an error)',
    };
  const found = claudeCodeShells(env);
  if ('why' in found) return { runsNothing: false, why: found.why };
  const childEnv = checkEnvironment(env);
  let message = '';
  for (const shell of found.shells) {
    const family = familyOf(shell)!;
    const result = spawnSync(shell, ['-n', '-c', '--', command], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: CHECK_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024,
    });
    if (result.error)
      return { runsNothing: false, why: `${shell} could not check it (${result.error.message})` };
    if (result.status === 0) return { runsNothing: false, why: `${shell} parses it` };
    const stderr = (result.stderr ?? '').trim();
    if (result.status !== SYNTAX_ERROR_STATUS[family] || stderr === '')
      return {
        runsNothing: false,
        why: `${shell} answered ${result.signal ?? `status ${result.status}`} without a syntax error`,
      };
    message ||= stderr.split('\n')[0]!;
  }
  return { runsNothing: true, message, shells: found.shells };
}
