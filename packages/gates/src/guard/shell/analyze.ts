import { basename, isAbsolute, resolve } from 'node:path';
import { literalShellCommands } from './inline-commands.js';
import {
  type Command,
  ParseError,
  type Part,
  type Pipeline,
  parseShell,
  type Redirect,
  type Script,
  type SimpleCommand,
  type Word,
} from './parse.js';

/**
 * Turns a command line into the list of programs it can run, each with its arguments, environment,
 * redirections and where its input comes from, after removing every wrapper an agent can hide a command
 * behind (env, sudo, nohup, timeout, xargs, find -exec, command, bash -c, eval, scripts written and run
 * in the same command or earlier). The rules only ever look at this flattened list.
 */

export interface AnalysisContext {
  /** The folder the command starts in. */
  readonly cwd: string;
  readonly home: string;
  /** The repository the agent works in (the project). */
  readonly repoRoot?: string | undefined;
  /** Reads a file for script analysis; undefined when it does not exist or cannot be read. */
  readonly readFile?: ((path: string) => string | undefined) | undefined;
}

export interface Arg {
  /** The static value after quote removal; undefined when any part is only known at run time. */
  readonly value: string | undefined;
  readonly raw: string;
  /** The value starts with a run-time part, so it could be an option (`$X` may be `--force`). */
  readonly dynamicStart: boolean;
  /** An unquoted expansion: it can split into several arguments. */
  readonly split: boolean;
  /** Unquoted glob characters. */
  readonly glob: boolean;
  /** A substitution in it fetches from the network. */
  readonly fetch: boolean;
}

export type Stdin =
  | {
      readonly kind: 'pipe';
      readonly producers: readonly Invocation[];
      readonly upstream: readonly Invocation[];
    }
  | {
      readonly kind: 'text';
      readonly text: string;
      readonly dynamic: boolean;
      /** The file it was redirected from (`< file`). */
      readonly file?: string;
    };

export interface RedirectEffect {
  readonly op: string;
  readonly fd?: number | undefined;
  /** Absolute path of the target, when it is static and the folder is known. */
  readonly path: string | undefined;
  readonly raw: string;
}

export interface Invocation {
  /** The program's name (the basename of what was written: `/usr/bin/git` is `git`). */
  readonly program: string;
  readonly args: readonly Arg[];
  /** Variables set for this command (prefix assignments, `env NAME=value`). */
  readonly env: ReadonlyMap<string, string | undefined>;
  readonly redirects: readonly RedirectEffect[];
  /** The folder the command runs in; undefined when a dynamic `cd` came first. */
  readonly cwd: string | undefined;
  /** The wrappers it was found behind, outermost first. */
  readonly via: readonly string[];
  readonly stdin?: Stdin | undefined;
  /** Where the program was named by a path (`./build.sh`, `/usr/bin/git`): that path, absolute when known. */
  readonly path?: string | undefined;
  /** Extra arguments appended at run time by xargs or find -exec; `roots` when they are paths under them. */
  readonly items?: { readonly roots: readonly Arg[]; readonly selective?: boolean } | 'unknown' | undefined;
  /** The string xargs -I or find -exec replaces with each item (`{}`); undefined when items are appended. */
  readonly itemsReplace?: string | undefined;
}

export interface OpaqueCode {
  readonly language: string;
  readonly code: string;
  readonly where: string;
  /** Given on the command line or its input (`-c`, `-e`, a here-document), not read from a file. */
  readonly inline?: boolean;
}

/** Options of interpreters that take the next word as their value (`python -W ignore -c CODE`). */
const INTERPRETER_VALUE_OPTIONS: Record<string, readonly string[]> = {
  python: ['-W', '-X', '-Q', '--check-hash-based-pycs'],
  javascript: [
    '-r',
    '--require',
    '--import',
    '--loader',
    '--experimental-loader',
    '-C',
    '--conditions',
    '--input-type',
    '--env-file',
    '--title',
    '--stack-size',
    '--max-old-space-size',
  ],
  perl: ['-I', '-x', '-l', '-0', '-C', '-d'],
  ruby: ['-I', '-r', '-C', '-E', '-F', '-x'],
  php: ['-c', '-d', '-z'],
  lua: ['-l'],
};

export interface Analysis {
  readonly invocations: Invocation[];
  /** Every variable assignment anywhere: prefix, bare, export/declare, env. */
  readonly assignments: Array<{ name: string; value: string | undefined }>;
  /** Why (parts of) the command could not be analysed statically. */
  readonly unanalysable: string[];
  /** Code in another language run inline (python -c, node -e, perl -e) or from a file. */
  readonly opaqueCode: OpaqueCode[];
  /** Code fetched from the network and run (`curl | sh`, `bash <(curl)`, `eval "$(wget -O-)"`). */
  readonly networkExec: string[];
  /**
   * The command itself (not code nested in it) does not parse: its entry in `unanalysable`. Nothing else
   * was analysed; the engine may ask the shell whether it would run any of it (shell-syntax.ts).
   */
  syntaxError?: string;
}

const MAX_DEPTH = 8;
/** Longer command lines are not parsed: no real command needs it, and it bounds the guard's time. */
const MAX_COMMAND_CHARS = 64 * 1024;
const MAX_PIPELINE = 64;
const MAX_INVOCATIONS = 2000;
const TOO_MANY = 'the command runs too many programs to analyse';
const MAX_SCRIPT_BYTES = 256 * 1024;

export const SHELLS = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'posh',
  'yash',
  'rbash',
]);
export const FETCHERS = new Set([
  'curl',
  'wget',
  'fetch',
  'http',
  'https',
  'xh',
  'aria2c',
  'lwp-request',
  'lynx',
  'nc',
  'ncat',
  'invoke-webrequest',
  'iwr',
  'invoke-restmethod',
  'irm',
]);
const INTERPRETERS: Record<string, { readonly inline: readonly string[]; readonly language: string }> = {
  python: { inline: ['-c'], language: 'python' },
  pypy: { inline: ['-c'], language: 'python' },
  pypy3: { inline: ['-c'], language: 'python' },
  node: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  nodejs: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  bun: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  deno: { inline: ['eval'], language: 'javascript' },
  perl: { inline: ['-e', '-E'], language: 'perl' },
  ruby: { inline: ['-e'], language: 'ruby' },
  irb: { inline: [], language: 'ruby' },
  tclsh: { inline: [], language: 'tcl' },
  R: { inline: ['-e'], language: 'r' },
  rscript: { inline: ['-e'], language: 'r' },
  julia: { inline: ['-e', '--eval'], language: 'julia' },
  php: { inline: ['-r'], language: 'php' },
  lua: { inline: ['-e'], language: 'lua' },
  osascript: { inline: ['-e'], language: 'applescript' },
  pwsh: { inline: ['-c', '-command', '-Command'], language: 'powershell' },
  powershell: { inline: ['-c', '-command', '-Command'], language: 'powershell' },
  awk: { inline: [], language: 'awk' },
  nawk: { inline: [], language: 'awk' },
  busybox_awk: { inline: [], language: 'awk' },
  gawk: { inline: [], language: 'awk' },
  mawk: { inline: [], language: 'awk' },
};

interface WrapperSpec {
  /** Short options that take a value (the next word, or the rest of the cluster). */
  readonly valueShort?: string;
  readonly valueLong?: readonly string[];
  /** Positional words before the command (timeout's duration, chroot's folder). */
  readonly positionals?: number;
  /** NAME=value words before the command set its environment (env, sudo). */
  readonly assignments?: boolean;
  /** Options that mean "do not run anything" (command -v). */
  readonly noExec?: readonly string[];
}

/** Wrappers whose next word names a package to fetch and run rather than a program or a file. */
const PACKAGE_RUNNERS = new Set([
  'npx',
  'pnpx',
  'bunx',
  'uvx',
  'npm exec',
  'npm x',
  'pnpm dlx',
  'yarn dlx',
  'bun x',
]);

/**
 * Scoped packages whose program the guard knows, by the name it judges them as. Any other scoped package
 * keeps its full name (`@scope/name`): unknown, so refused unless the config vouches for that name.
 */
const SCOPED_PROGRAMS: Record<string, string> = {
  '@biomejs/biome': 'biome',
  '@playwright/test': 'playwright',
  '@changesets/cli': 'changeset',
  '@anthropic-ai/claude-code': 'claude',
  '@j178/prek': 'prek',
  '@sveltejs/kit': 'svelte-kit',
  '@storybook/cli': 'storybook',
};

/** The program a package runner runs for a package spec: its name without the version. */
export function packageProgram(spec: string): string {
  const scoped = /^(@[^/@]+\/[^/@]+)(@.*)?$/.exec(spec);
  if (scoped) return SCOPED_PROGRAMS[scoped[1]!.toLowerCase()] ?? scoped[1]!.toLowerCase();
  // `github:user/repo`, URLs and tarballs keep their spelling: never a known program.
  if (/[/:]/.test(spec)) return spec;
  return spec.replace(/(?<=.)@[^@]*$/, '').toLowerCase();
}

const WRAPPERS: Record<string, WrapperSpec> = {
  env: { valueShort: 'uCS', valueLong: ['--unset', '--chdir', '--split-string'], assignments: true },
  sudo: {
    valueShort: 'ugChpDrtTUR',
    valueLong: [
      '--user',
      '--group',
      '--close-from',
      '--prompt',
      '--role',
      '--type',
      '--chdir',
      '--other-user',
      '--host',
      '--command-timeout',
    ],
    assignments: true,
    noExec: ['-l', '--list', '-v', '--validate', '-k', '-K', '-V', '--version'],
  },
  doas: { valueShort: 'uC' },
  nohup: {},
  time: {},
  nice: { valueShort: 'n', valueLong: ['--adjustment'] },
  ionice: { valueShort: 'cnpPut', valueLong: ['--class', '--classdata', '--pid', '--pgid', '--uid'] },
  stdbuf: { valueShort: 'ioe', valueLong: ['--input', '--output', '--error'] },
  setsid: {},
  chronic: {},
  unbuffer: {},
  caffeinate: { valueShort: 'tw' },
  timeout: { valueShort: 'sk', valueLong: ['--signal', '--kill-after'], positionals: 1 },
  gtimeout: { valueShort: 'sk', valueLong: ['--signal', '--kill-after'], positionals: 1 },
  command: { noExec: ['-v', '-V'] },
  builtin: {},
  exec: { valueShort: 'a' },
  chroot: { valueLong: ['--userspec', '--groups', '--skip-chdir'], positionals: 1 },
  busybox: {},
  strace: { valueShort: 'eoOpsuEPSXabI', valueLong: [] },
  ltrace: { valueShort: 'eoOpsuEPSabIn', valueLong: [] },
  torsocks: {},
  proxychains: { valueShort: 'f' },
  firejail: {},
  'systemd-run': {},
  npx: { valueShort: 'p', valueLong: ['--package'] },
  'cross-env': { assignments: true },
  dotenv: { valueShort: 'ecvp' },
  'dotenv-cli': { valueShort: 'ecvp' },
  bunx: {},
  pnpx: {},
  uvx: { valueLong: ['--from', '--with', '--python', '-p'] },
};

/**
 * Whether a shell's options turn on noexec (`-n`, `-xn`, `-o noexec`, fish's `--no-execute`): it parses
 * its code and runs none of it. Only the options before the code or script count; the last setting wins.
 */
export function shellNoExec(args: readonly Arg[]): boolean {
  let noExec = false;
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.value;
    if (text === undefined || text === '--' || text === '-') break;
    if (/^[-+]o$/.test(text)) {
      if (args[i + 1]?.value === 'noexec') noExec = text === '-o';
      i++;
      continue;
    }
    if (text === '--no-execute') {
      noExec = true;
      continue;
    }
    if (text === '--rcfile' || text === '--init-file') {
      i++;
      continue;
    }
    if (text.startsWith('--')) continue;
    if (/^[-+][A-Za-z]+$/.test(text)) {
      if (text.includes('n')) noExec = text.startsWith('-');
      // -c takes the next word as the code: what follows is no longer an option.
      if (text.startsWith('-') && text.includes('c')) break;
      continue;
    }
    break;
  }
  return noExec;
}

/**
 * Where a shell's `-c` code is among its arguments (`sh -c CODE NAME ARGS...`), or -1 without -c. Words
 * after the code are the positional parameters `$0`, `$1`...: data, not code.
 */
export function shellCodeIndex(args: readonly Arg[]): number {
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.value;
    if (text === undefined || text === '--' || text === '-') return -1;
    if (/^[-+][oO]$/.test(text) || text === '--rcfile' || text === '--init-file') {
      i++;
      continue;
    }
    if (text === '--command') return i + 1;
    if (text.startsWith('--')) continue;
    if (/^[-+][A-Za-z]+$/.test(text)) {
      if (text.startsWith('-') && text.includes('c')) return i + 1;
      continue;
    }
    return -1;
  }
  return -1;
}

function plainArg(value: string): Arg {
  return { value, raw: value, dynamicStart: false, split: false, glob: false, fetch: false };
}

function argText(arg: Arg): string {
  return arg.value ?? arg.raw;
}

export function isFetcher(inv: Invocation): boolean {
  return FETCHERS.has(inv.program.toLowerCase());
}

interface State {
  cwd: string | undefined;
  readonly vars: Map<string, string | undefined>;
  /**
   * What a command reads when nothing in the text feeds it: the input of the shell running this text
   * (`echo 'git reset --hard' | bash -c sh`: the inner sh reads the echo).
   */
  readonly input?: Stdin | undefined;
}

class Analyzer {
  readonly out: Analysis = {
    invocations: [],
    assignments: [],
    unanalysable: [],
    opaqueCode: [],
    networkExec: [],
  };
  /** Files written earlier in this command: content when known, 'network' for a download. */
  private readonly written = new Map<string, { content?: string; network?: boolean }>();
  private readonly fetchingScripts = new WeakMap<Script, boolean>();

  constructor(private readonly ctx: AnalysisContext) {}

  analyseText(source: string, state: State, depth: number, where: string): void {
    if (depth > MAX_DEPTH) {
      this.out.unanalysable.push(`${where} nests commands more than ${MAX_DEPTH} levels deep`);
      return;
    }
    if (source.length > MAX_COMMAND_CHARS) {
      this.out.unanalysable.push(`${where} is ${source.length} characters long, too long to analyse`);
      return;
    }
    let script: Script;
    try {
      script = parseShell(source);
    } catch (error) {
      const reason = error instanceof ParseError ? error.message : String(error);
      const detail = `${where} cannot be parsed (${reason})`;
      this.out.unanalysable.push(detail);
      if (depth === 0) this.out.syntaxError = detail;
      return;
    }
    this.walkScript(script, state, depth, []);
  }

  private walkScript(script: Script, state: State, depth: number, via: readonly string[]): Invocation[] {
    const produced: Invocation[] = [];
    for (const pipeline of script.pipelines) produced.push(...this.walkPipeline(pipeline, state, depth, via));
    return produced;
  }

  private walkPipeline(
    pipeline: Pipeline,
    state: State,
    depth: number,
    via: readonly string[],
  ): Invocation[] {
    // Bounds: a real command line has a few pipeline stages and at most hundreds of commands; a crafted
    // one with tens of thousands would make the analysis slow enough to outlast the hook's time-out.
    if (pipeline.commands.length > MAX_PIPELINE || this.out.invocations.length > MAX_INVOCATIONS) {
      if (!this.out.unanalysable.includes(TOO_MANY)) this.out.unanalysable.push(TOO_MANY);
      return [];
    }
    const all: Invocation[] = [];
    let previous: Invocation[] = [];
    for (let i = 0; i < pipeline.commands.length; i++) {
      const stdin: Stdin | undefined =
        i === 0 ? state.input : { kind: 'pipe', producers: previous, upstream: [...all] };
      // Every part of a multi-command pipeline runs in a subshell: a cd there does not leak.
      const own =
        pipeline.commands.length > 1 ? { cwd: state.cwd, vars: new Map(state.vars), input: stdin } : state;
      const invs = this.walkCommand(pipeline.commands[i]!, own, depth, via, stdin);
      all.push(...invs);
      previous = invs;
    }
    return all;
  }

  private walkCommand(
    command: Command,
    state: State,
    depth: number,
    via: readonly string[],
    stdin: Stdin | undefined,
  ): Invocation[] {
    if (command.kind === 'compound') {
      const inner = { cwd: state.cwd, vars: new Map(state.vars), input: stdin };
      const start = this.out.invocations.length;
      const produced = this.walkScript(command.body, inner, depth, via);
      const redirects = this.resolveRedirects(command.redirects, state, depth, via);
      // A group's redirections apply to every command in it: record them as a no-op command's.
      if (redirects.length > 0)
        this.push({ program: '', args: [], env: new Map(), redirects, cwd: state.cwd, via, stdin });
      if (stdin) {
        for (const inv of this.out.invocations.slice(start))
          if (!inv.stdin) (inv as { stdin?: Stdin }).stdin = stdin;
      }
      return produced;
    }
    return this.walkSimple(command, state, depth, via, stdin);
  }

  private walkSimple(
    command: SimpleCommand,
    state: State,
    depth: number,
    via: readonly string[],
    stdin: Stdin | undefined,
  ): Invocation[] {
    const env = new Map<string, string | undefined>();
    for (const assign of command.assigns) {
      const [value] = this.resolveWord(assign.value, state, depth, via, false);
      const text = value?.value;
      this.out.assignments.push({ name: assign.name, value: text });
      env.set(assign.name, text);
    }
    const args: Arg[] = [];
    for (const word of command.words) args.push(...this.resolveWord(word, state, depth, via, true));
    const redirects = this.resolveRedirects(command.redirects, state, depth, via);
    let input = stdin;
    for (const redirect of command.redirects) {
      if (redirect.heredoc) {
        input = { kind: 'text', text: redirect.heredoc.body, dynamic: redirect.heredoc.subs.length > 0 };
        for (const sub of redirect.heredoc.subs)
          this.walkScript(sub, { cwd: state.cwd, vars: new Map(state.vars), input: state.input }, depth, via);
      } else if (redirect.op === '<<<') {
        const [arg] = this.resolveWord(redirect.target, state, depth, via, false);
        input = { kind: 'text', text: `${argText(arg!)}\n`, dynamic: arg?.value === undefined };
      } else if (redirect.op === '<' && (redirect.fd === undefined || redirect.fd === 0)) {
        // `sh < file`: what a shell or an interpreter reads from a file is the code it runs.
        const [arg] = this.resolveWord(redirect.target, state, depth, via, false);
        const path = arg ? this.pathOf(arg, state.cwd) : undefined;
        const known = path ? this.written.get(path) : undefined;
        const content = known ? known.content : path ? this.ctx.readFile?.(path) : undefined;
        input = { kind: 'text', text: content ?? '', dynamic: content === undefined, file: arg?.raw ?? '' };
      }
    }
    if (command.listOnly) return [];
    if (args.length === 0) {
      // Bare assignments change the shell's own variables.
      for (const [name, value] of env) state.vars.set(name, value);
      if (redirects.length > 0)
        return [this.push({ program: '', args: [], env, redirects, cwd: state.cwd, via, stdin: input })];
      return [];
    }
    const start = this.out.invocations.length;
    this.expand({ program: '', args, env, redirects, cwd: state.cwd, via, stdin: input }, state, depth);
    const produced = this.out.invocations.slice(start);
    this.track(args, state, redirects, produced, input);
    return produced;
  }

  /** Shell state that later commands depend on: cd, variables, files written with known content. */
  private track(
    args: readonly Arg[],
    state: State,
    redirects: readonly RedirectEffect[],
    produced: readonly Invocation[],
    stdin: Stdin | undefined,
  ): void {
    const program = args[0]?.value;
    if (program === 'cd' || program === 'pushd') {
      const target = args[1];
      if (!target) state.cwd = this.ctx.home;
      else if (target.value === undefined || target.value === '-' || state.cwd === undefined)
        state.cwd = undefined;
      else state.cwd = resolve(state.cwd, target.value);
    } else if (program === 'popd') {
      state.cwd = undefined;
    } else if (program && ['export', 'declare', 'typeset', 'local', 'readonly'].includes(program)) {
      for (const arg of args.slice(1)) {
        const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg.value ?? '');
        const name = match?.[1] ?? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(arg.raw)?.[1];
        if (name) {
          const value = match ? match[2] : undefined;
          this.out.assignments.push({ name, value });
          state.vars.set(name, value);
        }
      }
    } else if (program === 'read' || program === 'mapfile' || program === 'readarray') {
      for (const arg of args.slice(1))
        if (arg.value && /^[A-Za-z_]\w*$/.test(arg.value)) state.vars.set(arg.value, undefined);
    } else if (program === 'unset') {
      for (const arg of args.slice(1)) if (arg.value) state.vars.delete(arg.value);
    }
    // Files written with content we know (echo/printf > f, cat <<EOF > f), so running them later is analysed.
    for (const redirect of redirects) {
      if (!redirect.path || !['>', '>>', '>|', '&>', '&>>'].includes(redirect.op)) continue;
      if (redirect.fd !== undefined && redirect.fd !== 1) continue;
      if (produced.some(isFetcher)) this.written.set(redirect.path, { network: true });
      else this.written.set(redirect.path, { content: this.producedText(args, stdin) });
    }
    // Downloads saved with -o / -O: running them later in this command is running network code.
    for (const inv of produced) {
      if (!isFetcher(inv)) continue;
      inv.args.forEach((arg, i) => {
        const text = arg.value ?? '';
        const target =
          text === '-o' || text === '-O' || text === '--output' || text === '--output-document'
            ? inv.args[i + 1]
            : /^--output(-document)?=/.test(text)
              ? plainArg(text.slice(text.indexOf('=') + 1))
              : /^-[a-zA-Z]*[oO]$/.test(text)
                ? inv.args[i + 1]
                : undefined;
        const path = target ? this.pathOf(target, inv.cwd) : undefined;
        if (path) this.written.set(path, { network: true });
      });
    }
  }

  private producedText(args: readonly Arg[], stdin: Stdin | undefined): string | undefined {
    const program = args[0]?.value;
    if ((program === 'cat' && args.length === 1) || program === 'tee') {
      return stdin?.kind === 'text' && !stdin.dynamic ? stdin.text : undefined;
    }
    if (program === 'echo' || program === 'printf') {
      const rest = args
        .slice(1)
        .filter((arg, i) => !(i === 0 && program === 'echo' && /^-[neE]+$/.test(arg.value ?? '')));
      if (rest.some((arg) => arg.value === undefined)) return undefined;
      return `${rest.map((arg) => arg.value!.replaceAll('\\n', '\n')).join(' ')}\n`;
    }
    return undefined;
  }

  private resolveRedirects(
    redirects: readonly Redirect[],
    state: State,
    depth: number,
    via: readonly string[],
  ): RedirectEffect[] {
    const effects: RedirectEffect[] = [];
    for (const redirect of redirects) {
      if (redirect.heredoc || redirect.op === '<<<') continue;
      const [arg] = this.resolveWord(redirect.target, state, depth, via, false);
      if (!arg) continue;
      if ((redirect.op === '>&' || redirect.op === '<&') && /^(\d+|-)$/.test(arg.value ?? '')) continue;
      effects.push({ op: redirect.op, fd: redirect.fd, path: this.pathOf(arg, state.cwd), raw: arg.raw });
      if (arg.fetch && redirect.op === '<')
        this.out.networkExec.push(`input redirected from a download (${arg.raw})`);
    }
    return effects;
  }

  /** The absolute path an argument names, when static and the folder is known. */
  pathOf(arg: Arg, cwd: string | undefined): string | undefined {
    if (arg.value === undefined || arg.value === '') return undefined;
    if (isAbsolute(arg.value)) return resolve(arg.value);
    if (cwd === undefined) return undefined;
    return resolve(cwd, arg.value);
  }

  // ---- words ----------------------------------------------------------------------------------

  private resolveWord(
    word: Word,
    state: State,
    depth: number,
    via: readonly string[],
    splitKnown: boolean,
  ): Arg[] {
    let value = '';
    let dynamic = false;
    let dynamicStart = false;
    let split = false;
    let glob = false;
    let fetch = false;
    word.parts.forEach((part: Part, index: number) => {
      switch (part.kind) {
        case 'lit':
          value += part.text;
          if (!part.quoted && /[*?[]/.test(part.text)) glob = true;
          break;
        case 'tilde':
          if (part.user === '') value += this.ctx.home;
          else {
            dynamic = true;
            if (index === 0) dynamicStart = true;
          }
          break;
        case 'param': {
          for (const sub of part.subs) if (this.walkSub(sub, state, depth, via)) fetch = true;
          const known = this.lookup(part.name, state);
          if (known !== undefined) {
            value += known;
            if (!part.quoted && /\s/.test(known)) split = true;
          } else {
            dynamic = true;
            if (index === 0) dynamicStart = true;
            if (!part.quoted) split = true;
          }
          break;
        }
        case 'sub': {
          if (this.walkSub(part.script, state, depth, via)) fetch = true;
          const known = this.knownOutput(part.script, state);
          if (known !== undefined && part.form !== '<(' && part.form !== '>(') {
            value += known;
          } else {
            dynamic = true;
            if (index === 0) dynamicStart = true;
            if (!part.quoted) split = true;
          }
          break;
        }
        case 'arith':
          dynamic = true;
          if (index === 0) dynamicStart = true;
          break;
        case 'opaque':
          dynamic = true;
          if (index === 0) dynamicStart = true;
          this.out.unanalysable.push(`$'...' escapes hide the text of "${word.raw}"`);
          break;
        case 'array':
          // Array elements are words: their substitutions run; the value is a list, not one text.
          for (const element of part.words) {
            for (const arg of this.resolveWord(element, state, depth, via, false))
              if (arg.fetch) fetch = true;
          }
          dynamic = true;
          break;
      }
    });
    const braces = braceExpansion(word);
    if (braces === 'dynamic') {
      // `{--hard,HEAD~3}` around a run-time part: bash expands the braces first, the guard cannot.
      return [{ value: undefined, raw: word.raw, dynamicStart: true, split: true, glob, fetch }];
    }
    if (braces && !dynamic) {
      if (braces.length > MAX_BRACE_WORDS) {
        this.out.unanalysable.push(`the braces in "${word.raw}" expand to too many words`);
        return [{ value: undefined, raw: word.raw, dynamicStart: true, split: true, glob, fetch }];
      }
      return braces.map((piece) => ({
        value: piece.text,
        raw: word.raw,
        dynamicStart: false,
        split: false,
        glob: piece.glob,
        fetch,
      }));
    }
    if (!dynamic && split && splitKnown && word.parts.length === 1) {
      // An unquoted variable we know splits into several words.
      return value
        .split(/\s+/)
        .filter(Boolean)
        .map((piece) => ({
          value: piece,
          raw: word.raw,
          dynamicStart: false,
          split: false,
          glob: /[*?[]/.test(piece),
          fetch,
        }));
    }
    return [
      {
        value: dynamic ? undefined : value,
        raw: word.raw,
        dynamicStart,
        split: dynamic && split,
        glob,
        fetch,
      },
    ];
  }

  private lookup(name: string, state: State): string | undefined {
    if (state.vars.has(name)) return state.vars.get(name);
    if (name === 'HOME') return this.ctx.home;
    if (name === 'PWD') return state.cwd;
    if (name === 'TMPDIR') return process.env.TMPDIR || '/tmp';
    return undefined;
  }

  /** `$(pwd)` and `$(git rev-parse --show-toplevel)` name folders we know. */
  private knownOutput(script: Script, state: State): string | undefined {
    const only = script.pipelines.length === 1 ? script.pipelines[0]!.commands : [];
    const command = only.length === 1 ? only[0] : undefined;
    if (command?.kind !== 'simple') return undefined;
    const words = command.words.map((word) => word.raw).join(' ');
    if (words === 'pwd') return state.cwd;
    if (words === 'git rev-parse --show-toplevel') return this.ctx.repoRoot;
    return undefined;
  }

  /** Analyses a substitution (it runs) and says whether it fetches from the network. */
  private walkSub(script: Script, state: State, depth: number, via: readonly string[]): boolean {
    const cached = this.fetchingScripts.get(script);
    if (cached !== undefined) return cached;
    const start = this.out.invocations.length;
    this.walkScript(script, { cwd: state.cwd, vars: new Map(state.vars), input: state.input }, depth, via);
    const fetches = this.out.invocations.slice(start).some(isFetcher);
    this.fetchingScripts.set(script, fetches);
    return fetches;
  }

  // ---- wrappers and nested shells -------------------------------------------------------------

  private push(inv: Invocation): Invocation {
    this.out.invocations.push(inv);
    return inv;
  }

  private expand(inv: Invocation, state: State, depth: number): void {
    let current = inv;
    for (let round = 0; round < 32; round++) {
      const [programArg, ...rest] = current.args;
      if (!programArg) return;
      if (programArg.value === undefined) {
        this.out.unanalysable.push(`the program is only known at run time ("${programArg.raw}")`);
        this.push({ ...current, program: programArg.raw });
        return;
      }
      const written = programArg.value;
      // After a package runner (`npx @scope/pkg`, `pnpm dlx pkg@1`) the word names a package from the
      // registry, not a file: `@evil/biome` must not pass as biome, nor `github:user/repo` as a project path.
      const runner = PACKAGE_RUNNERS.has(current.via.at(-1) ?? '') && !/^\.{0,2}\//.test(written);
      // Case-insensitive file systems run `GIT` and `git.exe` as git: judge them as git.
      let program = runner
        ? packageProgram(written)
        : (written.includes('/') ? basename(written) : written.replace(/^.*\\/, ''))
            .toLowerCase()
            .replace(/\.exe$/, '');
      if (!runner && written.includes('/')) {
        const handled = this.runPathProgram(written, current, state, depth);
        if (handled) return;
      }
      if (/^python[\d.]*$/.test(program)) program = 'python';
      let args = rest;
      // git's own programs (`/usr/lib/git-core/git-commit`, `git-push`) are git SUBCOMMAND.
      const gitProgram = /^git-([a-z][a-z0-9-]*)$/.exec(program);
      if (gitProgram) {
        program = 'git';
        args = [plainArg(gitProgram[1]!), ...rest];
      }
      const here: Invocation = {
        ...current,
        program,
        args,
        path:
          !runner && written.includes('/')
            ? isAbsolute(written)
              ? resolve(written)
              : state.cwd
                ? resolve(state.cwd, written)
                : written
            : undefined,
      };
      const next = this.unwrap(here, state, depth);
      if (next === 'done') {
        this.push(here);
        return;
      }
      if (next === undefined) {
        this.push(here);
        return;
      }
      this.push(here);
      current = next;
    }
    this.out.unanalysable.push('the command is wrapped too many times to analyse');
  }

  /**
   * One wrapper removed: the invocation it runs (`undefined` when `inv` runs nothing further), or
   * 'done' when the nested part was analysed here (shells, eval, scripts).
   */
  private unwrap(inv: Invocation, state: State, depth: number): Invocation | undefined | 'done' {
    const program = inv.program;
    const via = [...inv.via, program];
    const spec = WRAPPERS[program];
    if (spec) return this.unwrapGeneric(inv, spec, via);
    if (SHELLS.has(program)) return this.runShell(inv, state, depth, via);
    if (program === 'eval') {
      this.runCodeArgs(inv.args, inv, state, depth, via, 'eval');
      return 'done';
    }
    if (program === 'source' || program === '.') {
      const file = inv.args[0];
      if (file) this.runScriptArg(file, inv, state, depth, via);
      return 'done';
    }
    if (program === 'xargs') return this.unwrapXargs(inv, via);
    if (program === 'parallel') {
      this.unwrapParallel(inv, state, depth, via);
      return undefined;
    }
    if (
      (program === 'npx' || program === 'pnpx') &&
      inv.args.some((arg) => /^(-c|--call)(=|$)/.test(arg.value ?? ''))
    ) {
      const at = inv.args.findIndex((arg) => /^(-c|--call)(=|$)/.test(arg.value ?? ''));
      const text = inv.args[at]!.value!;
      const code = text.includes('=') ? plainArg(text.slice(text.indexOf('=') + 1)) : inv.args[at + 1];
      if (code) this.runCodeArgs([code], inv, state, depth, via, `${program} -c`);
      return 'done';
    }
    if (program === 'cross-env-shell') {
      this.runCodeArgs(
        inv.args.filter((arg) => !/^[A-Za-z_]\w*=/.test(arg.value ?? '')),
        inv,
        state,
        depth,
        via,
        program,
      );
      return 'done';
    }
    if (program === 'find') {
      this.unwrapFind(inv, state, depth, via);
      return undefined;
    }
    if (
      program === 'watch' ||
      program === 'su' ||
      program === 'runuser' ||
      program === 'script' ||
      program === 'flock'
    ) {
      this.runEmbedded(inv, state, depth, via);
      return undefined;
    }
    if (program === 'alias') {
      for (const arg of inv.args) {
        const value = /^[^=]+=(.*)$/s.exec(arg.value ?? '')?.[1];
        if (value)
          this.analyseText(
            value,
            { cwd: state.cwd, vars: new Map(state.vars) },
            depth + 1,
            `alias ${arg.raw}`,
          );
      }
      return undefined;
    }
    if (program === 'trap') {
      const code = inv.args[0];
      if (code?.value)
        this.analyseText(code.value, { cwd: state.cwd, vars: new Map(state.vars) }, depth + 1, 'trap');
      return undefined;
    }
    if (program === 'git') {
      this.gitEmbedded(inv, state, depth, via);
      return undefined;
    }
    const bunCode =
      program === 'bun' && inv.args.some((arg) => /^(-e|--eval|-p|--print)(=|$)/.test(arg.value ?? ''));
    if (['npm', 'pnpm', 'yarn', 'bun'].includes(program) && !bunCode) {
      this.packageScripts(inv, state, depth, via);
      return undefined;
    }
    if (program === 'uv' && inv.args[0]?.value === 'run') return this.unwrapRun(inv, 1, via);
    if (['poetry', 'pipenv', 'pdm', 'hatch'].includes(program) && inv.args[0]?.value === 'run')
      return this.unwrapRun(inv, 1, via);
    if (program === 'python' && inv.args[0]?.value === '-m' && inv.args[1]?.value) {
      return { ...inv, via, args: inv.args.slice(1) };
    }
    const interpreter = INTERPRETERS[program];
    if (interpreter) {
      this.runInterpreter(inv, interpreter, state, depth);
      return undefined;
    }
    return undefined;
  }

  private unwrapGeneric(inv: Invocation, spec: WrapperSpec, via: string[]): Invocation | undefined {
    const env = new Map(inv.env);
    let i = 0;
    let positionals = spec.positionals ?? 0;
    const args = inv.args;
    while (i < args.length) {
      const arg = args[i]!;
      const text = arg.value;
      if (text === undefined) break;
      if (text === '--') {
        i++;
        break;
      }
      if (spec.noExec?.includes(text)) return undefined;
      if (text.startsWith('--') && text.length > 2) {
        const name = text.split('=')[0]!;
        if (name === '--split-string' && inv.program === 'env') {
          const value = text.includes('=') ? text.slice(text.indexOf('=') + 1) : args[i + 1]?.value;
          return this.splitString(inv, value, args.slice(i + (text.includes('=') ? 1 : 2)), via, env);
        }
        i += spec.valueLong?.includes(name) && !text.includes('=') ? 2 : 1;
        continue;
      }
      if (text.startsWith('-') && text.length > 1) {
        if (/^-\d+$/.test(text)) {
          i++;
          continue;
        }
        let consumed = 1;
        for (let k = 1; k < text.length; k++) {
          const letter = text[k]!;
          if (spec.valueShort?.includes(letter)) {
            if (letter === 'S' && inv.program === 'env') {
              const value = k + 1 < text.length ? text.slice(k + 1) : args[i + 1]?.value;
              return this.splitString(inv, value, args.slice(i + (k + 1 < text.length ? 1 : 2)), via, env);
            }
            if (k === text.length - 1) consumed = 2;
            break;
          }
        }
        i += consumed;
        continue;
      }
      if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(text)) {
        const eq = text.indexOf('=');
        const name = text.slice(0, eq);
        env.set(name, text.slice(eq + 1));
        this.out.assignments.push({ name, value: text.slice(eq + 1) });
        i++;
        continue;
      }
      if (positionals > 0) {
        positionals--;
        i++;
        continue;
      }
      break;
    }
    // A dynamic NAME=value for env/sudo is still an assignment we cannot read.
    while (
      spec.assignments &&
      i < args.length &&
      args[i]!.value === undefined &&
      /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!.raw)
    ) {
      const name = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(args[i]!.raw)![1]!;
      env.set(name, undefined);
      this.out.assignments.push({ name, value: undefined });
      i++;
    }
    if (i >= args.length) return undefined;
    return { ...inv, program: '', args: args.slice(i), env, via };
  }

  private splitString(
    inv: Invocation,
    value: string | undefined,
    rest: readonly Arg[],
    via: string[],
    env: Map<string, string | undefined>,
  ): Invocation | undefined {
    if (value === undefined) {
      this.out.unanalysable.push('env -S with a run-time string');
      return undefined;
    }
    const words = value.split(/\s+/).filter(Boolean).map(plainArg);
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!.value!)) {
      const text = words.shift()!.value!;
      const name = text.slice(0, text.indexOf('='));
      env.set(name, text.slice(name.length + 1));
      this.out.assignments.push({ name, value: text.slice(name.length + 1) });
    }
    const args = [...words, ...rest];
    return args.length > 0 ? { ...inv, program: '', args, env, via } : undefined;
  }

  private unwrapRun(inv: Invocation, skip: number, via: string[]): Invocation | undefined {
    let i = skip;
    const valued = new Set([
      '--with',
      '--python',
      '-p',
      '--project',
      '--directory',
      '--package',
      '--extra',
      '--group',
      '--env-file',
      '--from',
      '--index',
      '--index-url',
    ]);
    while (i < inv.args.length) {
      const text = inv.args[i]!.value;
      if (text === '--') {
        i++;
        break;
      }
      if (text === undefined || !text.startsWith('-')) break;
      i += valued.has(text) ? 2 : 1;
    }
    if (i >= inv.args.length) return undefined;
    return { ...inv, program: '', args: inv.args.slice(i), via };
  }

  /**
   * xargs runs its command with words read from its input appended (or put in place of `-I` strings).
   * When those words are known (echo, printf, a here-string), they are put where xargs puts them, so
   * `echo --hard HEAD~2 | xargs git reset` is `git reset --hard HEAD~2`; otherwise the invocation carries
   * `items` and the rules judge what unseen arguments could do to it.
   */
  private unwrapXargs(inv: Invocation, via: string[]): Invocation | undefined {
    const valueShort = 'ILnPsdEaJRS';
    const valueLong = [
      '--max-args',
      '--max-procs',
      '--delimiter',
      '--arg-file',
      '--max-chars',
      '--process-slot-var',
      '--max-lines',
      '--eof',
    ];
    let i = 0;
    let replace: string | undefined;
    let fromFile = false;
    while (i < inv.args.length) {
      const text = inv.args[i]!.value;
      if (text === undefined || !text.startsWith('-') || text === '-') break;
      if (text === '--') {
        i++;
        break;
      }
      if (text.startsWith('--')) {
        const name = text.split('=')[0]!;
        if (name === '--arg-file') fromFile = true;
        if (name === '--replace' || name === '-i')
          replace = text.includes('=') ? text.slice(10) || '{}' : '{}';
        i += valueLong.includes(name) && !text.includes('=') ? 2 : 1;
        continue;
      }
      const letter = text[1]!;
      if (letter === 'a') fromFile = true;
      if (letter === 'I' || letter === 'J')
        replace = text.length > 2 ? text.slice(2) : inv.args[i + 1]?.value;
      if (letter === 'i') replace = text.length > 2 ? text.slice(2) : '{}';
      i += valueShort.includes(letter) && text.length === 2 ? 2 : 1;
    }
    const command = inv.args.slice(i);
    const items = fromFile ? 'unknown' : this.itemsFromPipe(inv.stdin);
    const words = fromFile ? undefined : this.knownInputWords(inv.stdin);
    const base = command.length > 0 ? command : [plainArg('echo')];
    if (words !== undefined) {
      if (replace === undefined) return { ...inv, program: '', args: [...base, ...words.map(plainArg)], via };
      if (words.length > 0) {
        const item = words.join(' ');
        const args = base.map((arg) =>
          arg.value?.includes(replace!) ? plainArg(arg.value.replaceAll(replace!, item)) : arg,
        );
        return { ...inv, program: '', args, via };
      }
    }
    return { ...inv, program: '', args: base, via, items, itemsReplace: replace };
  }

  /** Words a command reads on its input when they are known: echo/printf words, a here-string. */
  private knownInputWords(stdin: Stdin | undefined): string[] | undefined {
    if (!stdin) return undefined;
    let text: string | undefined;
    if (stdin.kind === 'text') text = stdin.dynamic ? undefined : stdin.text;
    else {
      const producer = stdin.producers.length === 1 ? stdin.producers[0]! : undefined;
      if (producer && (producer.program === 'echo' || producer.program === 'printf'))
        text = this.producedText([plainArg(producer.program), ...producer.args], undefined);
    }
    return text === undefined ? undefined : text.split(/\s+/).filter(Boolean);
  }

  /**
   * GNU parallel: `parallel CMD ::: A B` runs `CMD A` and `CMD B` through a shell; without a command the
   * items are the commands; without `:::` the items come from the input, unseen.
   */
  private unwrapParallel(inv: Invocation, state: State, depth: number, via: string[]): void {
    const args = inv.args;
    const sep = args.findIndex((arg) => [':::', '::::', ':::+', '::::+'].includes(arg.value ?? ''));
    let i = 0;
    const valued = new Set([
      '-j',
      '-S',
      '--jobs',
      '--sshlogin',
      '-a',
      '--arg-file',
      '--delimiter',
      '-d',
      '-I',
    ]);
    while (i < (sep < 0 ? args.length : sep)) {
      const text = args[i]!.value;
      if (text === undefined || !text.startsWith('-')) break;
      if (text === '--') {
        i++;
        break;
      }
      i += valued.has(text) ? 2 : 1;
    }
    const command = args.slice(i, sep < 0 ? args.length : sep);
    const items =
      sep < 0 ? undefined : args.slice(sep + 1).filter((arg) => !(arg.value ?? '').startsWith(':::'));
    if (sep >= 0 && args[sep]!.value!.startsWith('::::')) {
      this.out.unanalysable.push('parallel reads its arguments from a file the guard does not see');
      return;
    }
    if (items === undefined) {
      if (command.length === 0 && !inv.stdin) {
        this.out.unanalysable.push('parallel without a command or ::: runs whatever it reads');
        return;
      }
      if (command.length === 0) {
        this.runStdin(inv, state, depth, 'parallel running commands from its input');
        return;
      }
      this.expand(
        { ...inv, program: '', args: command, via, items: this.itemsFromPipe(inv.stdin) },
        state,
        depth,
      );
      return;
    }
    if (items.some((arg) => arg.value === undefined) || command.some((arg) => arg.value === undefined)) {
      this.out.unanalysable.push('parallel builds commands from words only known at run time');
      return;
    }
    const head = command.map((arg) => arg.value!);
    for (const item of items) {
      const value = item.value!;
      // parallel joins the command's words unquoted and quotes each input (unless there is no command).
      const quoted = `'${value.replaceAll("'", "'\\''")}'`;
      const line =
        head.length === 0
          ? value
          : head.some((word) => word.includes('{}'))
            ? head.map((word) => word.replaceAll('{}', quoted)).join(' ')
            : `${head.join(' ')} ${quoted}`;
      this.runCodeArgs([plainArg(line)], inv, state, depth, via, 'parallel');
    }
  }

  /** What xargs reads: paths under find's roots, echo's words, or unknown. */
  private itemsFromPipe(stdin: Stdin | undefined): Invocation['items'] {
    if (!stdin) return 'unknown';
    if (stdin.kind === 'text')
      return stdin.dynamic ? 'unknown' : { roots: stdin.text.split(/\s+/).filter(Boolean).map(plainArg) };
    const producer = stdin.producers.length === 1 ? stdin.producers[0]! : undefined;
    if (!producer) return 'unknown';
    if (producer.program === 'find')
      return {
        roots: findRoots(producer.args),
        selective: producer.args.some((arg) => FIND_SELECTORS.test(arg.value ?? '')),
      };
    if (producer.program === 'echo' || producer.program === 'printf' || producer.program === 'ls') {
      const words = producer.args.filter((arg) => !(arg.value ?? '').startsWith('-'));
      if (producer.program === 'ls' && words.length === 0) return { roots: [plainArg(producer.cwd ?? '.')] };
      return { roots: words };
    }
    if (producer.program === 'git' && this.ctx.repoRoot) return { roots: [plainArg(this.ctx.repoRoot)] };
    return 'unknown';
  }

  private unwrapFind(inv: Invocation, state: State, depth: number, via: string[]): void {
    const roots = findRoots(inv.args);
    const args = inv.args;
    for (let i = 0; i < args.length; i++) {
      const text = args[i]!.value;
      if (text === '-exec' || text === '-execdir' || text === '-ok' || text === '-okdir') {
        let end = i + 1;
        while (end < args.length && args[end]!.value !== ';' && args[end]!.value !== '+') end++;
        const command = args.slice(i + 1, end);
        if (command.length > 0) {
          this.expand(
            {
              ...inv,
              program: '',
              args: command,
              via,
              items: {
                roots,
                selective: args.slice(0, i).some((arg) => FIND_SELECTORS.test(arg.value ?? '')),
              },
              itemsReplace: '{}',
              stdin: undefined,
            },
            state,
            depth,
          );
        }
        i = end;
      }
    }
  }

  private runEmbedded(inv: Invocation, state: State, depth: number, via: string[]): void {
    const args = inv.args;
    if (inv.program === 'watch') {
      let i = 0;
      while (i < args.length && (args[i]!.value ?? '').startsWith('-'))
        i += ['-n', '-d', '--interval'].includes(args[i]!.value!) ? 2 : 1;
      this.runCodeArgs(args.slice(i), inv, state, depth, via, 'watch');
      return;
    }
    // -c CODE, also at the end of a cluster (script -qc CODE, su -lc CODE).
    const c = args.findIndex((arg) => arg.value === '--command' || /^-[a-zA-Z]*c$/.test(arg.value ?? ''));
    const attached = args.find((arg) => /^--command=/.test(arg.value ?? ''));
    if (attached) {
      this.runCodeArgs([plainArg(attached.value!.slice(10))], inv, state, depth, via, inv.program);
      return;
    }
    if (c >= 0 && args[c + 1]) {
      this.runCodeArgs([args[c + 1]!], inv, state, depth, via, inv.program);
      return;
    }
    if (inv.program === 'flock') {
      let i = 0;
      while (i < args.length && (args[i]!.value ?? '').startsWith('-'))
        i += ['-w', '-E', '--timeout', '--conflict-exit-code'].includes(args[i]!.value!) ? 2 : 1;
      const command = args.slice(i + 1);
      if (command.length > 0) this.expand({ ...inv, program: '', args: command, via }, state, depth);
    }
  }

  /** Commands git itself runs: `rebase --exec`, `bisect run`, `submodule foreach`, `-c alias.x=!cmd`. */
  private gitEmbedded(inv: Invocation, state: State, depth: number, via: string[]): void {
    const args = inv.args;
    for (let i = 0; i < args.length; i++) {
      const text = args[i]!.value;
      if (text === undefined) continue;
      // `-x` runs a command for rebase (--exec) and difftool (--extcmd); elsewhere it is harmless
      // (`cherry-pick -x` notes the source commit).
      const runs = args.slice(0, i).some((arg) => arg.value === 'rebase' || arg.value === 'difftool');
      if (((text === '-x' && runs) || text === '--exec' || text === '--extcmd') && args[i + 1])
        this.runCodeArgs([args[i + 1]!], inv, state, depth, via, 'git --exec');
      else if (text.startsWith('--exec=') || text.startsWith('--extcmd='))
        this.runCodeArgs([plainArg(text.slice(text.indexOf('=') + 1))], inv, state, depth, via, 'git --exec');
      else if (text === 'foreach' && args[i - 1]?.value === 'submodule')
        this.runCodeArgs(
          args.slice(i + 1).filter((arg) => !(arg.value ?? '').startsWith('--')),
          inv,
          state,
          depth,
          via,
          'git submodule foreach',
        );
      else if (text === 'run' && args[i - 1]?.value === 'bisect' && args[i + 1])
        this.expand({ ...inv, program: '', args: args.slice(i + 1), via }, state, depth);
    }
  }

  private packageScripts(inv: Invocation, state: State, depth: number, via: string[]): void {
    const args = inv.args.filter((arg) => !(arg.value ?? '').startsWith('-'));
    const first = args[0]?.value;
    if (first === undefined) return;
    let name: string | undefined;
    if (first === 'run' || first === 'run-script') name = args[1]?.value;
    else if (['test', 't', 'start', 'stop', 'restart'].includes(first)) name = first === 't' ? 'test' : first;
    else if (
      inv.program !== 'npm' &&
      !['install', 'i', 'add', 'remove', 'exec', 'dlx', 'x', 'ci', 'update', 'init', 'create'].includes(first)
    )
      name = first;
    // What runs a package's program: npm exec/x, pnpm dlx/exec, yarn dlx/exec, bun x.
    const runsPackage =
      (inv.program === 'npm' && (first === 'exec' || first === 'x')) ||
      ((inv.program === 'pnpm' || inv.program === 'yarn') && (first === 'dlx' || first === 'exec')) ||
      (inv.program === 'bun' && first === 'x');
    if (runsPackage) {
      const rest = inv.args
        .slice(inv.args.findIndex((arg) => arg.value === first) + 1)
        .filter((arg) => arg.value !== '--');
      // `exec` runs an installed program by name; `dlx`, `x` and `npm exec` may fetch a package.
      const runner = first === 'exec' && inv.program !== 'npm' ? inv.program : `${inv.program} ${first}`;
      if (rest.length > 0)
        this.expand({ ...inv, program: '', args: rest, via: [...via.slice(0, -1), runner] }, state, depth);
      return;
    }
    if (!name || !state.cwd) return;
    const pkg = this.readJson(resolve(state.cwd, 'package.json'));
    const scripts = (pkg?.scripts ?? {}) as Record<string, unknown>;
    for (const key of [`pre${name}`, name, `post${name}`]) {
      const code = scripts[key];
      if (typeof code === 'string')
        this.analyseText(code, { cwd: state.cwd, vars: new Map() }, depth + 1, `the package script "${key}"`);
    }
  }

  private readJson(path: string): Record<string, unknown> | undefined {
    const text = this.ctx.readFile?.(path);
    if (text === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private runShell(inv: Invocation, state: State, depth: number, via: string[]): 'done' {
    const args = inv.args;
    let i = 0;
    let commandMode = false;
    let stdinMode = false;
    const noExec = shellNoExec(args);
    while (i < args.length) {
      const text = args[i]!.value;
      if (text === undefined) break;
      if (text === '--' || text === '-') {
        i++;
        break;
      }
      if (/^[-+][oO]$/.test(text) || text === '--rcfile' || text === '--init-file') {
        i += 2;
        continue;
      }
      if (text.startsWith('--')) {
        if (text === '--command') commandMode = true;
        i++;
        continue;
      }
      if (/^[-+][A-Za-z]+$/.test(text)) {
        if (text.startsWith('-') && text.includes('c')) commandMode = true;
        if (text.startsWith('-') && text.includes('s')) stdinMode = true;
        i++;
        continue;
      }
      break;
    }
    // `bash -n` (noexec) reads and checks the code but runs none of it, BASH_ENV included.
    if (noExec) return 'done';
    if (commandMode) {
      const code = args[i];
      if (code) this.runCodeArgs([code], inv, state, depth, via, `${inv.program} -c`);
      return 'done';
    }
    const file = args[i];
    if (file && !stdinMode) {
      this.runScriptArg(file, inv, state, depth, via);
      return 'done';
    }
    this.runStdin(inv, state, depth, `${inv.program} reading commands from its input`);
    return 'done';
  }

  /** A shell or interpreter that reads its program from stdin. */
  private runStdin(inv: Invocation, state: State, depth: number, where: string): void {
    const stdin = inv.stdin;
    if (!stdin) return; // interactive: nothing to analyse, nothing runs unattended
    if (stdin.kind === 'text') {
      if (stdin.dynamic && stdin.file !== undefined) {
        this.out.unanalysable.push(`${where}: ${stdin.file}, a file the guard cannot read`);
        return;
      }
      if (stdin.dynamic) this.out.unanalysable.push(`${where}: a here-document with substitutions`);
      this.analyseText(stdin.text, { cwd: state.cwd, vars: new Map(state.vars) }, depth + 1, where);
      return;
    }
    if (stdin.upstream.some(isFetcher) || stdin.upstream.some((up) => up.args.some((arg) => arg.fetch))) {
      this.out.networkExec.push(`${where}: piped from a download`);
      return;
    }
    const producer = stdin.producers.length === 1 ? stdin.producers[0]! : undefined;
    if (producer && (producer.program === 'echo' || producer.program === 'printf')) {
      const text = this.producedText([plainArg(producer.program), ...producer.args], undefined);
      if (text !== undefined) {
        this.analyseText(text, { cwd: state.cwd, vars: new Map(state.vars) }, depth + 1, where);
        return;
      }
    }
    if (producer && producer.program === 'cat' && producer.args.length === 1) {
      this.runScriptArg(producer.args[0]!, producer, state, depth, [...inv.via, inv.program]);
      return;
    }
    this.out.unanalysable.push(`${where}: commands piped in from another program`);
  }

  /** Code given as arguments (sh -c CODE, eval ARGS...): analysed as a command line of its own. */
  private runCodeArgs(
    args: readonly Arg[],
    inv: Invocation,
    state: State,
    depth: number,
    via: string[],
    where: string,
  ): void {
    if (args.length === 0) return;
    if (args.some((arg) => arg.fetch)) {
      this.out.networkExec.push(`${where} runs code produced by a download`);
      return;
    }
    if (args.some((arg) => arg.value === undefined)) {
      this.out.unanalysable.push(
        `${where} runs code only known at run time (${args.map((arg) => arg.raw).join(' ')})`,
      );
      return;
    }
    const code = args.map((arg) => arg.value!).join(' ');
    const start = this.out.invocations.length;
    this.analyseText(code, { cwd: state.cwd, vars: new Map(state.vars), input: inv.stdin }, depth + 1, where);
    for (const nested of this.out.invocations.slice(start)) {
      const mutable = nested as {
        via: readonly string[];
        stdin?: Stdin | undefined;
        env: ReadonlyMap<string, string | undefined>;
      };
      mutable.via = [...via, ...nested.via];
      // A child shell inherits the environment it was started with.
      if (inv.env.size > 0) mutable.env = new Map([...inv.env, ...nested.env]);
      if (!mutable.stdin && inv.stdin) mutable.stdin = inv.stdin;
    }
  }

  private runScriptArg(file: Arg, inv: Invocation, state: State, depth: number, via: string[]): void {
    if (file.fetch) {
      this.out.networkExec.push(
        `${via.at(-1) ?? 'a shell'} runs a script produced by a download (${file.raw})`,
      );
      return;
    }
    const path = this.pathOf(file, state.cwd);
    if (!path) {
      this.out.unanalysable.push(`a script whose path is only known at run time (${file.raw})`);
      return;
    }
    if (path === '/dev/stdin') {
      this.runStdin(inv, state, depth, `${via.at(-1) ?? 'a shell'} reading /dev/stdin`);
      return;
    }
    this.runScriptFile(path, file.raw, state, depth, 'shell');
  }

  private runScriptFile(
    path: string,
    raw: string,
    state: State,
    depth: number,
    kind: 'shell' | string,
  ): void {
    const known = this.written.get(path);
    let content: string | undefined;
    if (known) {
      if (known.network) {
        this.out.networkExec.push(`runs ${raw}, which this command downloaded`);
        return;
      }
      if (known.content === undefined) {
        this.out.unanalysable.push(
          `runs ${raw}, which this command wrote with content only known at run time`,
        );
        return;
      }
      content = known.content;
    } else {
      content = this.ctx.readFile?.(path);
      if (content === undefined) return; // it does not exist: running it fails
    }
    if (content.length > MAX_SCRIPT_BYTES) {
      this.out.unanalysable.push(`the script ${raw} is too large to analyse`);
      return;
    }
    if (kind === 'shell')
      this.analyseText(content, { cwd: state.cwd, vars: new Map() }, depth + 1, `the script ${raw}`);
    else this.out.opaqueCode.push({ language: kind, code: content, where: raw });
  }

  /** A program named by a path (`./deploy.sh`, `/usr/bin/git`): scripts are read and analysed. */
  private runPathProgram(written: string, inv: Invocation, state: State, depth: number): boolean {
    const path = isAbsolute(written) ? resolve(written) : state.cwd ? resolve(state.cwd, written) : undefined;
    if (!path) {
      this.out.unanalysable.push(`runs ${written} from a folder only known at run time`);
      return false;
    }
    const known = this.written.get(path);
    const content = known ? known.content : this.ctx.readFile?.(path);
    if (known?.network) {
      this.out.networkExec.push(`runs ${written}, which this command downloaded`);
      return true;
    }
    if (known && content === undefined) {
      this.out.unanalysable.push(
        `runs ${written}, which this command wrote with content only known at run time`,
      );
      return true;
    }
    if (content === undefined || content.length > MAX_SCRIPT_BYTES) return false;
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(content);
    const interpreter = shebang
      ? basename(shebang[1]!) === 'env'
        ? shebang[2]
        : basename(shebang[1]!)
      : undefined;
    if (interpreter && SHELLS.has(interpreter)) {
      this.push({ ...inv, program: basename(written), args: inv.args.slice(1), path });
      this.analyseText(
        content,
        { cwd: state.cwd, vars: new Map(), input: inv.stdin },
        depth + 1,
        `the script ${written}`,
      );
      return true;
    }
    if (!shebang && (known || /\.(sh|bash)$/.test(written)) && !content.includes('\u0000')) {
      this.push({ ...inv, program: basename(written), args: inv.args.slice(1), path });
      this.analyseText(
        content,
        { cwd: state.cwd, vars: new Map(), input: inv.stdin },
        depth + 1,
        `the script ${written}`,
      );
      return true;
    }
    if (interpreter && interpreter !== 'node' && INTERPRETERS[interpreter.replace(/[\d.]+$/, '')]) {
      this.out.opaqueCode.push({ language: interpreter, code: content, where: written });
    }
    return false;
  }

  private runInterpreter(
    inv: Invocation,
    interpreter: { readonly inline: readonly string[]; readonly language: string },
    state: State,
    depth: number,
  ): void {
    const args = inv.args;
    if (interpreter.language === 'awk') {
      const program = args.find((arg) => !(arg.value ?? '-').startsWith('-'));
      if (program && program.value === undefined)
        this.out.unanalysable.push(`${inv.program} runs a program only known at run time`);
      if (program?.value)
        this.out.opaqueCode.push({
          language: 'awk',
          code: this.followLiteralCommands('awk', program.value, inv, state, depth),
          where: inv.program,
          inline: true,
        });
      return;
    }
    const valued = INTERPRETER_VALUE_OPTIONS[interpreter.language] ?? [];
    const inlineLetters = interpreter.inline
      .filter((flag) => /^-[a-zA-Z]$/.test(flag))
      .map((flag) => flag[1]!)
      .join('');
    for (let i = 0; i < args.length; i++) {
      const text = args[i]!.value;
      if (text === undefined) {
        this.out.unanalysable.push(`${inv.program} has an option only known at run time (${args[i]!.raw})`);
        return;
      }
      // -c CODE, -e CODE, and clusters ending in the inline flag (python -vc, perl -pe, ruby -we, node -pe).
      const inline =
        interpreter.inline.includes(text) ||
        (inlineLetters !== '' &&
          new RegExp(`^-[a-zA-Z]*[${inlineLetters}]$`).test(text) &&
          !valued.includes(text)) ||
        interpreter.inline.some((flag) => flag.startsWith('--') && text.startsWith(`${flag}=`));
      if (inline) {
        const code = text.includes('=') ? plainArg(text.slice(text.indexOf('=') + 1)) : args[i + 1];
        if (!code) return;
        if (code.fetch) this.out.networkExec.push(`${inv.program} runs code produced by a download`);
        else if (code.value === undefined)
          this.out.unanalysable.push(`${inv.program} runs code only known at run time`);
        else
          this.out.opaqueCode.push({
            language: interpreter.language,
            code: this.followLiteralCommands(interpreter.language, code.value, inv, state, depth),
            where: `${inv.program} ${text}`,
            inline: true,
          });
        return;
      }
      if (text === '-') {
        this.interpreterStdin(inv, interpreter.language, state, depth);
        return;
      }
      if (valued.includes(text)) {
        i++;
        continue;
      }
      if (!text.startsWith('-')) {
        const path = this.pathOf(args[i]!, state.cwd);
        if (args[i]!.fetch) this.out.networkExec.push(`${inv.program} runs a script produced by a download`);
        else if (path) this.runScriptFile(path, text, state, depth, interpreter.language);
        return;
      }
      if (interpreter.language === 'python' && (text === '-m' || /^-[a-zA-Z]*m$/.test(text))) return;
    }
    this.interpreterStdin(inv, interpreter.language, state, depth);
  }

  /**
   * Shell command lines the inline code runs as plain string literals (`os.system("...")`, awk's
   * `"cmd" | getline`) are analysed as commands; what remains of the code goes to the opaque-code check.
   */
  private followLiteralCommands(
    language: string,
    code: string,
    inv: Invocation,
    state: State,
    depth: number,
  ): string {
    const literal = literalShellCommands(language, code);
    if (!literal) return code;
    for (const command of literal.commands) {
      const feeding: Invocation = command.fed
        ? { ...inv, stdin: { kind: 'text', text: '', dynamic: true, file: `what ${inv.program} prints` } }
        : inv;
      this.runCodeArgs(
        [plainArg(command.text)],
        feeding,
        state,
        depth,
        [...inv.via, inv.program],
        `${inv.program} code`,
      );
    }
    return literal.rest;
  }

  private interpreterStdin(inv: Invocation, language: string, _state: State, _depth: number): void {
    const stdin = inv.stdin;
    if (!stdin) return;
    if (stdin.kind === 'text') {
      if (stdin.dynamic) {
        this.out.unanalysable.push(
          `${inv.program} runs code from ${stdin.file ?? 'a here-document with substitutions'}`,
        );
        return;
      }
      this.out.opaqueCode.push({
        language,
        code: stdin.text,
        where: `${inv.program} reading its input`,
        inline: stdin.file === undefined,
      });
      return;
    }
    if (stdin.upstream.some(isFetcher))
      this.out.networkExec.push(`${inv.program} runs code piped from a download`);
  }
}

const MAX_BRACE_WORDS = 256;
const FIND_SELECTORS =
  /^-(i?name|i?path|i?wholename|i?regex|empty|newer\w*|[acm](time|min)|size|perm|user|group)$/;

/**
 * Bash's brace expansion of one word (`{a,b}`, `{1..3}`, `pre{x,y}post`), done before anything else:
 * `git reset {--hard,HEAD~3}` is `git reset --hard HEAD~3`. Undefined when the word has no unquoted braces
 * to expand; 'dynamic' when it has but also a run-time part.
 */
function braceExpansion(word: Word): Array<{ text: string; glob: boolean }> | 'dynamic' | undefined {
  const unquoted = word.parts.some(
    (part) => part.kind === 'lit' && !part.quoted && /\{.*(,|\.\.).*\}/s.test(part.text),
  );
  if (!unquoted) return undefined;
  // Characters with their quoting: only unquoted braces and commas take part.
  const chars: Array<{ c: string; q: boolean }> = [];
  for (const part of word.parts) {
    if (part.kind !== 'lit') {
      if (part.kind === 'tilde' && part.user === '') {
        chars.push({ c: '~', q: false });
        continue;
      }
      return 'dynamic';
    }
    for (const c of part.text) chars.push({ c, q: part.quoted });
  }
  const results = expandBraces(chars, 0);
  if (!results) return undefined;
  return results.map((pieces) => ({
    text: pieces.map((piece) => piece.c).join(''),
    glob: pieces.some((piece) => !piece.q && /[*?[]/.test(piece.c)),
  }));
}

type Chars = Array<{ c: string; q: boolean }>;

/** Expands the first brace group of `chars` (then the rest, recursively); undefined when there is none. */
function expandBraces(chars: Chars, budget: number): Chars[] | undefined {
  if (budget > 64) return undefined;
  for (let open = 0; open < chars.length; open++) {
    if (chars[open]!.q || chars[open]!.c !== '{' || (open > 0 && chars[open - 1]!.c === '$')) continue;
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let i = open + 1; i < chars.length; i++) {
      const { c, q } = chars[i]!;
      if (q) continue;
      if (c === '{') depth++;
      else if (c === '}') {
        if (depth === 0) {
          close = i;
          break;
        }
        depth--;
      } else if (c === ',' && depth === 0) commas.push(i);
    }
    if (close < 0) return undefined;
    const prefix = chars.slice(0, open);
    const suffix = chars.slice(close + 1);
    let alternatives: Chars[];
    if (commas.length > 0) {
      alternatives = [];
      let from = open + 1;
      for (const comma of [...commas, close]) {
        alternatives.push(chars.slice(from, comma));
        from = comma + 1;
      }
    } else {
      const inner = chars.slice(open + 1, close);
      const text = inner.map((piece) => piece.c).join('');
      const range = /^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.-?\d+)?$/.exec(text);
      if (!range || inner.some((piece) => piece.q)) continue;
      const [a, b] = [range[1]!, range[2]!];
      const numeric = /\d/.test(a);
      const from = numeric ? Number(a) : a.charCodeAt(0);
      const to = numeric ? Number(b) : b.charCodeAt(0);
      if (Math.abs(to - from) > 256) return undefined;
      alternatives = [];
      for (let n = from; from <= to ? n <= to : n >= to; n += from <= to ? 1 : -1)
        alternatives.push([...(numeric ? String(n) : String.fromCharCode(n))].map((c) => ({ c, q: true })));
    }
    const out: Chars[] = [];
    for (const alternative of alternatives) {
      const whole = [...prefix, ...alternative, ...suffix];
      out.push(...(expandBraces(whole, budget + 1) ?? [whole]));
      if (out.length > MAX_BRACE_WORDS) return out;
    }
    return out;
  }
  return undefined;
}

/** The starting points of `find`: the words before the first expression. */
export function findRoots(args: readonly Arg[]): Arg[] {
  const roots: Arg[] = [];
  for (const arg of args) {
    const text = arg.value;
    if (text !== undefined && (text.startsWith('-') || text === '(' || text === '!' || text === '\\(')) {
      if (['-H', '-L', '-P'].includes(text) || text.startsWith('-O') || text === '-D') continue;
      break;
    }
    roots.push(arg);
  }
  return roots.length > 0 ? roots : [plainArg('.')];
}

/** Analyses one shell command line. Never throws: what it cannot follow is reported as unanalysable. */
export function analyseShell(source: string, ctx: AnalysisContext): Analysis {
  const analyzer = new Analyzer(ctx);
  analyzer.analyseText(source, { cwd: ctx.cwd, vars: new Map() }, 0, 'the command');
  return analyzer.out;
}

export { argText };
