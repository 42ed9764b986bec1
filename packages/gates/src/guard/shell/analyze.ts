import { basename, isAbsolute, resolve } from 'node:path';
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
  | { readonly kind: 'text'; readonly text: string; readonly dynamic: boolean };

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
  /** Extra arguments appended at run time by xargs or find -exec; `roots` when they are paths under them. */
  readonly items?: { readonly roots: readonly Arg[] } | 'unknown' | undefined;
}

export interface OpaqueCode {
  readonly language: string;
  readonly code: string;
  readonly where: string;
}

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
}

const MAX_DEPTH = 8;
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
  node: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  nodejs: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  bun: { inline: ['-e', '--eval', '-p', '--print'], language: 'javascript' },
  deno: { inline: ['eval'], language: 'javascript' },
  perl: { inline: ['-e', '-E'], language: 'perl' },
  ruby: { inline: ['-e'], language: 'ruby' },
  php: { inline: ['-r'], language: 'php' },
  lua: { inline: ['-e'], language: 'lua' },
  osascript: { inline: ['-e'], language: 'applescript' },
  pwsh: { inline: ['-c', '-command', '-Command'], language: 'powershell' },
  powershell: { inline: ['-c', '-command', '-Command'], language: 'powershell' },
  awk: { inline: [], language: 'awk' },
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
  bunx: {},
  pnpx: {},
  uvx: { valueLong: ['--from', '--with', '--python', '-p'] },
};

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
    let script: Script;
    try {
      script = parseShell(source);
    } catch (error) {
      const reason = error instanceof ParseError ? error.message : String(error);
      this.out.unanalysable.push(`${where} cannot be parsed (${reason})`);
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
    const all: Invocation[] = [];
    let previous: Invocation[] = [];
    for (let i = 0; i < pipeline.commands.length; i++) {
      const stdin: Stdin | undefined =
        i === 0 ? undefined : { kind: 'pipe', producers: previous, upstream: [...all] };
      // Every part of a multi-command pipeline runs in a subshell: a cd there does not leak.
      const own = pipeline.commands.length > 1 ? { cwd: state.cwd, vars: new Map(state.vars) } : state;
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
      const inner = { cwd: state.cwd, vars: new Map(state.vars) };
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
          this.walkScript(sub, { cwd: state.cwd, vars: new Map(state.vars) }, depth, via);
      } else if (redirect.op === '<<<') {
        const [arg] = this.resolveWord(redirect.target, state, depth, via, false);
        input = { kind: 'text', text: `${argText(arg!)}\n`, dynamic: arg?.value === undefined };
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
      }
    });
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
    this.walkScript(script, { cwd: state.cwd, vars: new Map(state.vars) }, depth, via);
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
      let program = written.includes('/') ? basename(written) : written;
      if (written.includes('/')) {
        const handled = this.runPathProgram(written, current, state, depth);
        if (handled) return;
      }
      if (/^python[\d.]*$/.test(program)) program = 'python';
      const here = { ...current, program, args: rest };
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
    if (['npm', 'pnpm', 'yarn', 'bun'].includes(program)) {
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

  private unwrapXargs(inv: Invocation, via: string[]): Invocation | undefined {
    const valueShort = 'ILnPsdEa';
    const valueLong = [
      '--max-args',
      '--max-procs',
      '--delimiter',
      '--arg-file',
      '--max-chars',
      '--process-slot-var',
    ];
    let i = 0;
    while (i < inv.args.length) {
      const text = inv.args[i]!.value;
      if (text === undefined || !text.startsWith('-') || text === '-') break;
      if (text === '--') {
        i++;
        break;
      }
      if (text.startsWith('--')) {
        i += valueLong.includes(text) ? 2 : 1;
        continue;
      }
      const letter = text[1]!;
      i += valueShort.includes(letter) && text.length === 2 ? 2 : 1;
    }
    const command = inv.args.slice(i);
    const items = this.itemsFromPipe(inv.stdin);
    return { ...inv, program: '', args: command.length > 0 ? command : [plainArg('echo')], via, items };
  }

  /** What xargs reads: paths under find's roots, echo's words, or unknown. */
  private itemsFromPipe(stdin: Stdin | undefined): Invocation['items'] {
    if (!stdin) return 'unknown';
    if (stdin.kind === 'text')
      return stdin.dynamic ? 'unknown' : { roots: stdin.text.split(/\s+/).filter(Boolean).map(plainArg) };
    const producer = stdin.producers.length === 1 ? stdin.producers[0]! : undefined;
    if (!producer) return 'unknown';
    if (producer.program === 'find') return { roots: findRoots(producer.args) };
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
            { ...inv, program: '', args: command, via, items: { roots }, stdin: undefined },
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
    const c = args.findIndex((arg) => arg.value === '-c' || arg.value === '--command');
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
      if ((text === '-x' || text === '--exec') && args[i + 1])
        this.runCodeArgs([args[i + 1]!], inv, state, depth, via, 'git --exec');
      else if (text.startsWith('--exec='))
        this.runCodeArgs([plainArg(text.slice(7))], inv, state, depth, via, 'git --exec');
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
    if (inv.program === 'npm' && (first === 'exec' || first === 'x')) {
      const rest = inv.args
        .slice(inv.args.findIndex((arg) => arg.value === first) + 1)
        .filter((arg) => arg.value !== '--');
      if (rest.length > 0) this.expand({ ...inv, program: '', args: rest, via }, state, depth);
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
    this.analyseText(code, { cwd: state.cwd, vars: new Map(state.vars) }, depth + 1, where);
    for (const nested of this.out.invocations.slice(start)) {
      const mutable = nested as { via: readonly string[]; stdin?: Stdin | undefined };
      mutable.via = [...via, ...nested.via];
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
      this.push({ ...inv, program: basename(written), args: inv.args.slice(1) });
      this.analyseText(content, { cwd: state.cwd, vars: new Map() }, depth + 1, `the script ${written}`);
      return true;
    }
    if (!shebang && (known || /\.(sh|bash)$/.test(written)) && !content.includes('\u0000')) {
      this.push({ ...inv, program: basename(written), args: inv.args.slice(1) });
      this.analyseText(content, { cwd: state.cwd, vars: new Map() }, depth + 1, `the script ${written}`);
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
      if (program?.value) this.out.opaqueCode.push({ language: 'awk', code: program.value, where: 'awk' });
      return;
    }
    for (let i = 0; i < args.length; i++) {
      const text = args[i]!.value;
      if (text === undefined) continue;
      // -c CODE, -e CODE, perl -pe CODE / -ne CODE (a cluster ending in the inline flag).
      const inline =
        interpreter.inline.includes(text) ||
        (interpreter.language === 'perl' && /^-[a-zA-Z]*[eE]$/.test(text)) ||
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
            code: code.value,
            where: `${inv.program} ${text}`,
          });
        return;
      }
      if (text === '-') {
        this.interpreterStdin(inv, interpreter.language, state, depth);
        return;
      }
      if (!text.startsWith('-')) {
        if (interpreter.language === 'python' && text === '-m') return;
        const path = this.pathOf(args[i]!, state.cwd);
        if (args[i]!.fetch) this.out.networkExec.push(`${inv.program} runs a script produced by a download`);
        else if (path) this.runScriptFile(path, text, state, depth, interpreter.language);
        return;
      }
      if (interpreter.language === 'python' && text === '-m') return;
    }
    this.interpreterStdin(inv, interpreter.language, state, depth);
  }

  private interpreterStdin(inv: Invocation, language: string, _state: State, _depth: number): void {
    const stdin = inv.stdin;
    if (!stdin) return;
    if (stdin.kind === 'text') {
      this.out.opaqueCode.push({ language, code: stdin.text, where: `${inv.program} reading its input` });
      return;
    }
    if (stdin.upstream.some(isFetcher))
      this.out.networkExec.push(`${inv.program} runs code piped from a download`);
  }
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
