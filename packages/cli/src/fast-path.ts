// No static imports: this module is on every hook and gate call. An ESM import of node:fs builds its whole
// namespace, which loads fs/promises, streams and readline (about 3 ms); getBuiltinModule does not.
const { readFileSync, writeSync } = process.getBuiltinModule('node:fs');

/**
 * The start-up path of the commands that run on every tool call and every commit. They are decided here,
 * before yargs or anything heavy is loaded; everything else returns false and goes to the full CLI.
 */
export async function runFastPath(argv: readonly string[]): Promise<number | undefined> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const { cliVersion } = await import('./version.js');
    process.stdout.write(`${cliVersion()}\n`);
    return 0;
  }
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  if (argv[0] === 'hook' && argv.length >= 2) return runHookCommand(argv.slice(1));
  if (argv[0] === 'statusline' && argv.length === 1) return printStatusline();
  // Git runs hooks at the top of the working tree with no options; anything else (--cwd) goes to yargs.
  if (argv[0] === 'gate' && gitHookGates.has(argv[1] ?? '') && !argv.some((arg) => arg.startsWith('--cwd'))) {
    return runGateCommand(argv.slice(1));
  }
  return undefined;
}

/**
 * Claude Code's `statusLine` runs this after every message: one line the loop rendered into
 * $FACTORY_HOME/statusline.txt (fleet/src/loop/statusline.ts writes it), no database, no yargs.
 */
function printStatusline(): number {
  const env = process.env;
  const home =
    env.FACTORY_HOME?.trim() ||
    `${env.HOME?.trim() || process.getBuiltinModule('node:os').homedir()}/.config/factory`;
  let line = 'factory: no loop yet';
  try {
    line = readFileSync(`${home}/statusline.txt`, 'utf8').trim() || line;
  } catch {
    // no loop ran yet: say so
  }
  writeOut(1, `${line}\n`);
  return 0;
}

/** The gates the git hooks call on every commit and push; `gate history` goes through yargs. */
const gitHookGates = new Set(['pre-commit', 'pre-push', 'commit-msg', 'reference-transaction']);

async function runGateCommand(args: readonly string[]): Promise<number> {
  const debug = args.includes('--debug');
  // The pre-commit hook pipes git's staged diff in (gates/src/gate/staged-diff.ts).
  const piped = args.includes('--staged-from-stdin');
  const [gate = '', ...rest] = args.filter((arg) => arg !== '--debug' && arg !== '--staged-from-stdin');
  try {
    const cached = loadCodeCachedBundle<GateRunner>('gate/run.bundle.cjs');
    const { runGate } = cached?.exports ?? (await loadGateRunner());
    let oneOff = false;
    const code = await runGate({
      gate,
      args: rest,
      cwd: process.cwd(),
      env: process.env,
      readStdin,
      exitsAfterGate: true,
      ...(piped ? { readStagedDiff: readStdin } : {}),
      noteOneOff: () => {
        oneOff = true;
      },
    });
    // A gate that passed ran every check it has: the code cache taken now holds all of them. Not after a
    // run that did one-off work (a setup check, a fold of the inbox): the next usual run takes it.
    if (code === 0 && !oneOff) cached?.remember(gate);
    return code;
  } catch (error) {
    // A gate that cannot run refuses the commit (exit 2), with the reason.
    const { reportError } = await import('./output.js');
    const code = reportError(error, debug);
    return code === 0 ? 2 : code;
  }
}

async function runHookCommand(args: readonly string[]): Promise<number> {
  const debug = args.includes('--debug');
  const event = args.find((arg) => !arg.startsWith('-')) ?? '';
  try {
    const raw = readStdin();
    const route =
      event === 'pre-tool-use'
        ? await loadPreToolUse(raw)
        : (await import('@factory/gates/hook/router')).routeHook;
    const answer = await route(event, raw, { cwd: process.cwd(), env: process.env, exitsAfterAnswer: true });
    if (answer.stdout) writeOut(1, answer.stdout.endsWith('\n') ? answer.stdout : `${answer.stdout}\n`);
    if (answer.stderr) writeOut(2, answer.stderr);
    return answer.exitCode;
  } catch (error) {
    // Fail closed: a guard that cannot run must block, and exit 2 blocks every event.
    const { reportError } = await import('./output.js');
    reportError(error, debug);
    return 2;
  }
}

type GateRunner = typeof import('@factory/gates/gate/run');

/**
 * The bundle built after tsc (scripts/bundle-hot-paths.mjs): one module to load instead of ~30 to resolve
 * through workspace links and package exports. Without it (a plain `tsc -b`), the modules themselves.
 */
async function loadGateRunner(): Promise<GateRunner> {
  const bundle = '@factory/gates/gate/run.bundle';
  try {
    return (await importBeside('gate/run.bundle.js', bundle)) as GateRunner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import('@factory/gates/gate/run');
  }
}

/**
 * A module of the gates package, by its file beside this one in the workspace (packages/cli/dist next to
 * packages/gates/dist) when it is there, else by its package name. Resolving `@factory/gates/*` through the
 * workspace link and the package's `exports` costs a hook about 2.5 ms (measured); a file URL, a stat.
 */
async function importBeside(file: string, specifier: string): Promise<unknown> {
  const beside = new URL(`../../gates/dist/${file}`, import.meta.url);
  const { existsSync } = process.getBuiltinModule('node:fs');
  return import(existsSync(beside) ? beside.href : specifier);
}

type Route = (
  event: string,
  raw: string,
  context: { cwd: string; env: NodeJS.ProcessEnv; exitsAfterAnswer?: boolean },
) => Promise<{
  stdout: string;
  stderr: string;
  exitCode: number;
}>;

/** The guard's entry: one function from the raw hook input to the answer. */
interface PreToolUseEntry {
  routePreToolUse: (raw: string, context: Parameters<Route>[2]) => ReturnType<Route>;
}

/**
 * Every tool call of the agent starts this process: load the guard's one-file bundle (built by
 * scripts/bundle-hot-paths.mjs) rather than the router and its modules; the plain module when the build
 * has no bundle.
 */
async function loadPreToolUse(raw: string): Promise<Route> {
  const kind = toolKind(raw);
  const cached = loadCodeCachedBundle<PreToolUseEntry>('hook/pre-tool-use-entry.bundle.cjs', kind);
  if (cached) {
    return async (_event, raw, context) => {
      const answer = await cached.exports.routePreToolUse(raw, context);
      // A refusal runs code an allow never does (the audit record, the reason, the rule's own hit, the
      // analysis that found it): without it in the cache, every deny compiled it again (measured: a deny
      // about 10 ms slower at load 5). So a group per refusing rule; a few dozen rules bound them.
      const refused = answer.stdout.trim() !== '' || answer.exitCode !== 0;
      const rule = refused ? / rule ([a-z0-9][a-z0-9/_.-]*):/.exec(answer.stdout)?.[1] : undefined;
      cached.remember(refused ? `${kind} refused${rule ? ` ${rule}` : ''}` : allowGroup(kind, raw));
      return answer;
    };
  }
  const bundle = '@factory/gates/hook/pre-tool-use-entry.bundle';
  let entry: PreToolUseEntry;
  try {
    entry = (await importBeside('hook/pre-tool-use-entry.bundle.js', bundle)) as typeof entry;
  } catch {
    entry = await import('@factory/gates/hook/pre-tool-use-entry');
  }
  return (_event, raw, context) => entry.routePreToolUse(raw, context);
}

/**
 * The group of an allowed call: for a shell command, the programs its commands start with as well (`Bash
 * cd+npm`), since the analysis of a program is code the other programs' calls never run: a commit with a
 * here-document after a cache taken on `ls` compiled its share again in every call (measured: about 3 ms
 * CPU). A rough reading of the text, for naming a group only (the decision is the bundle's): the first
 * word after each `&&`, `||`, `;`, `|` or line break, plain words only, three at most. So the cache of a
 * kind holds what its calls ran, grown by each new program a session uses, never a warm-up of everything.
 */
function allowGroup(kind: string, raw: string): string {
  if (kind !== 'Bash' && kind !== 'PowerShell') return kind;
  let command: unknown;
  try {
    command = (JSON.parse(raw) as { tool_input?: { command?: unknown } }).tool_input?.command;
  } catch {
    return kind;
  }
  if (typeof command !== 'string') return kind;
  const programs = new Set<string>();
  for (const part of command.split(/&&|\|\||[;|\n]/)) {
    const word = /^\s*(?:[\w./-]*\/)?([a-z][a-z0-9_.-]{0,31})(?=\s|$)/.exec(part)?.[1];
    if (word) programs.add(word);
    if (programs.size === 3) break;
  }
  return programs.size > 0 ? `${kind} ${[...programs].sort().join('+')}` : kind;
}

/**
 * The kind of tool a call is for, from the raw hook input (before it is parsed): the name of its code cache
 * (`mcp` for every MCP tool, `other` for a name that is not a plain word).
 */
function toolKind(raw: string): string {
  const tool = /"tool_name"\s*:\s*"([^"\\]{1,64})"/.exec(raw)?.[1] ?? '';
  if (tool.startsWith('mcp__')) return 'mcp';
  return /^[A-Za-z][A-Za-z0-9]*$/.test(tool) ? tool : 'other';
}

/**
 * A hot-path bundle as CommonJS (`<name>.bundle.cjs` in the gates package, beside the ESM one), compiled
 * through node:vm with a V8 code cache of our own: the guard's for every tool call, the gates' for every
 * commit and push. Node's compile cache holds only what V8 compiled with the module, its top level: every
 * function a decision or a gate calls (the parser, the analysis, the rules; the checks, the task runner,
 * the index tree) was compiled again in every hook process. A cache taken after the work holds them all
 * (measured on 2 busy cores: the guard's load and decision 11 ms instead of 29 ms; a commit through the
 * pre-commit gate about 4 ms less CPU, interleaved with the build before). V8 rejects one from another V8
 * or other flags, and then the bundle compiles as usual. It is taken again when the work ran code it
 * lacks: `remember(group)` with a group it does not cover yet (for the guard a kind of tool and the rule
 * that refused it: the first Read after a Bash, the first reset-hard refusal of a Bash; for the gates a
 * gate that passed). The bundles are in the gates package's dist, and beside the bin in the packed install
 * (scripts/pack.mjs builds them there). Undefined when there is no such bundle (a plain tsc build): the
 * ESM import then.
 *
 * What a call pays for its cache is its size: V8 reads all of it, whatever the call runs (measured on 2
 * busy cores, median of 40: 431 KB in 4.6 ms, 370 KB in 3.3 ms; a process of a 431 KB cache about 3 ms more
 * CPU than one of 370 KB). So the guard keeps a cache per kind of tool (`cacheName`): a Bash call does not
 * load what the Reads and Edits ran, nor the reverse; and a cache holds what calls of its kind ran, not a
 * warm-up of everything (tried: the functions a new kind of command would compile cost less than reading
 * them on every call).
 *
 * The cache is code the guard and the gates run without compiling it from the bundle's text: whoever can
 * write it decides what they do. So it lives beside the bundle (`<bundle>[.<name>].v8-cache`, see
 * codeCachePath), whose writers are the bundle's own: a folder `factory init` denies the agent's sandbox
 * and the guard protects when it is in the project (node_modules/code-factory-cli, a control place of
 * core's control-files), outside the project's writable tree otherwise. Never in Node's compile cache folder,
 * which is under the temp folder the sandbox lets the agent write. One file: the bundle's stat and Node's
 * version (a rebuilt bundle or another Node makes it stale), the groups it covers, then V8's data; written
 * aside and renamed, so a hook running meanwhile reads the old one or the new one, whole. A folder that
 * cannot be written (a root-owned global install) means no cache: slower, never less safe.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off with Node's own.
 */
function loadCodeCachedBundle<T>(
  relative: string,
  cacheName?: string,
): { exports: T; remember: (group: string) => void } | undefined {
  const fs = process.getBuiltinModule('node:fs');
  // In the workspace: the gates package's dist beside this one; in the packed install (scripts/pack.mjs):
  // beside this module in its one dist folder.
  const inWorkspace = decodeURIComponent(new URL(`../../gates/dist/${relative}`, import.meta.url).pathname);
  const packed = decodeURIComponent(new URL(`./${relative}`, import.meta.url).pathname);
  let file = inWorkspace;
  let source: string;
  let key: string;
  try {
    let st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) {
      file = packed;
      st = fs.statSync(file);
    }
    key = `${st.size}|${st.mtimeMs}|${st.ino}|${st.ctimeMs}|${process.version}|${process.arch}`;
    // The bundle is ASCII (esbuild escapes the rest): latin1 reads it as it is, without UTF-8 decoding.
    source = fs.readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const cacheFile = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : codeCachePath(file, cacheName);
  const cache = cacheFile ? readCodeCache(fs, cacheFile, key) : undefined;
  const vm = process.getBuiltinModule('node:vm');
  const moduleApi = process.getBuiltinModule('node:module');
  let script: import('node:vm').Script;
  let module: { exports: T };
  try {
    // The bundle is that function's text (scripts/bundle-hot-paths.mjs, loaderFunctionHead): compiled as
    // it is, without a copy; a bundle of an older build is not, and the ESM one loads then.
    if (!source.startsWith(loaderFunctionHead)) return undefined;
    script = new vm.Script(source, {
      filename: file,
      ...(cache ? { cachedData: cache.data } : {}),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    module = { exports: {} as T };
    const require = moduleApi.createRequire(file);
    // The bundle's dynamic imports (scripts/bundle-hot-paths.mjs), resolved from its own folder.
    const { pathToFileURL } = process.getBuiltinModule('node:url');
    const importBesideBundle = (specifier: string) => import(pathToFileURL(require.resolve(specifier)).href);
    wrapper(module.exports, require, module, file, file.slice(0, file.lastIndexOf('/')), importBesideBundle);
  } catch {
    return undefined; // the ESM bundle then
  }
  const fresh = !cache || script.cachedDataRejected === true;
  const remember = (group: string) => {
    if (!cacheFile) return;
    const groups = fresh ? [] : cache.groups;
    // Bounded: past a few dozen groups a cache holds what a session runs, and each take costs a call.
    if (groups.includes(group) || groups.length >= maxCacheGroups) return;
    try {
      // A folder this user may not write (a root-owned global install): asked first, so that a call does not
      // serialize the whole cache (a few ms) every time only to fail writing it.
      fs.accessSync(file.slice(0, file.lastIndexOf('/')), fs.constants.W_OK);
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      const header = Buffer.from(`${codeCacheMagic}\n${key}\n${[...groups, group].join(',')}\n`, 'latin1');
      fs.writeFileSync(tmp, Buffer.concat([header, script.createCachedData()]));
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A cache that cannot be written costs time, not correctness.
    }
  };
  return { exports: module.exports, remember };
}

const codeCacheMagic = 'factory-v8-cache 1';

/** The most groups a code cache is taken for (see loadCodeCachedBundle and allowGroup). */
const maxCacheGroups = 64;

/** How a CommonJS hot-path bundle begins (scripts/bundle-hot-paths.mjs writes it so). */
const loaderFunctionHead =
  "(function (exports, require, module, __filename, __dirname, __factoryImport) {'use strict';";

/**
 * Where a code cache of a bundle lives: beside it, in the same folder (see loadCodeCachedBundle); the
 * guard's one per kind of tool (`<bundle>.Bash.v8-cache`), the gates' one.
 */
export function codeCachePath(bundle: string, name?: string): string {
  return name ? `${bundle}.${name}.v8-cache` : `${bundle}.v8-cache`;
}

/** The code cache of a bundle whose stat and Node are `key`: V8's data and the groups it covers. */
function readCodeCache(
  fs: typeof import('node:fs'),
  cacheFile: string,
  key: string,
): { data: Buffer; groups: string[] } | undefined {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const magicEnd = raw.indexOf(10);
  const keyEnd = magicEnd < 0 ? -1 : raw.indexOf(10, magicEnd + 1);
  const groupsEnd = keyEnd < 0 ? -1 : raw.indexOf(10, keyEnd + 1);
  if (groupsEnd < 0) return undefined;
  if (raw.toString('latin1', 0, magicEnd) !== codeCacheMagic) return undefined;
  if (raw.toString('latin1', magicEnd + 1, keyEnd) !== key) return undefined;
  const groups = raw
    .toString('latin1', keyEnd + 1, groupsEnd)
    .split(',')
    .filter(Boolean);
  return { data: raw.subarray(groupsEnd + 1), groups };
}

/**
 * Writes the whole text to stdout (1) or stderr (2) with plain write(2) calls: process.stdout would load the
 * stream modules (about 2 ms) for one short answer. A non-blocking descriptor that is full (EAGAIN) gets the
 * rest through the stream, which waits for it to drain before the process exits.
 */
function writeOut(fd: 1 | 2, text: string): void {
  let rest = Buffer.from(text);
  try {
    while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    (fd === 1 ? process.stdout : process.stderr).write(rest);
  }
}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No stdin at all (a closed or absent descriptor) reads as empty input, which the router refuses.
    if (code === 'EAGAIN' || code === 'EOF' || code === 'EBADF') return '';
    throw error;
  }
}
