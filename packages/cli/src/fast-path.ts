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
    const cached = loadCodeCachedBundle<GateRunner>('gate/run.bundle.cjs', 'gate');
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
    const route =
      event === 'pre-tool-use'
        ? await loadPreToolUse()
        : (await import('@factory/gates/hook/router')).routeHook;
    const raw = readStdin();
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
async function loadPreToolUse(): Promise<Route> {
  const cached = loadCodeCachedBundle<PreToolUseEntry>('hook/pre-tool-use-entry.bundle.cjs', 'guard');
  if (cached) {
    return async (_event, raw, context) => {
      const answer = await cached.exports.routePreToolUse(raw, context);
      const tool = /"tool_name"\s*:\s*"([^"\\]{1,64})"/.exec(raw)?.[1] ?? '';
      const kind = /^(Bash|PowerShell)$/.test(tool) ? tool : tool.startsWith('mcp__') ? 'mcp' : tool;
      // A refusal runs code an allow never does (the audit record, the reason, the rule's own hit, the
      // analysis that found it): without it in the cache, every deny compiled it again (measured: a deny
      // about 10 ms slower at load 5). So a group per refusing rule; a few dozen rules bound them.
      const refused = answer.stdout.trim() !== '' || answer.exitCode !== 0;
      const rule = refused ? / rule ([a-z0-9][a-z0-9/_.-]*):/.exec(answer.stdout)?.[1] : undefined;
      cached.remember(refused ? `${kind} refused${rule ? ` ${rule}` : ''}` : kind);
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
 * A hot-path bundle as CommonJS (`<name>.bundle.cjs` in the gates package, beside the ESM one), compiled
 * through node:vm with a V8 code cache of our own: the guard's for every tool call, the gates' for every
 * commit and push. Node's compile cache holds only what V8 compiled with the module, its top level: every
 * function a decision or a gate calls (the parser, the analysis, the rules; the checks, the task runner,
 * the index tree) was compiled again in every hook process. A cache taken after the work holds them all
 * (measured on 2 busy cores: the guard's load and decision 11 ms instead of 29 ms; a commit through the
 * pre-commit gate about 4 ms less CPU, interleaved with the build before). It lives in Node's compile cache folder, named after the
 * bundle's path and stat (size, mtime, inode, ctime: a rebuild is another file) and Node's version; V8
 * rejects one from another V8 or other flags, and then the bundle compiles as usual. It is taken again
 * when the work ran code it lacks: `remember(group)` with a group it does not cover yet (for the guard a
 * kind of tool and the rule that refused it: the first Read after a Bash, the first reset-hard refusal of
 * a Bash; for the gates a gate that passed). The bundles are in the gates package's dist, and beside the
 * bin in the packed install (scripts/pack.mjs builds them there). Undefined when there is no such bundle
 * (a plain tsc build): the ESM import then.
 */
function loadCodeCachedBundle<T>(
  relative: string,
  name: string,
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
    key = `${file}|${st.size}|${st.mtimeMs}|${st.ino}|${st.ctimeMs}|${process.version}|${process.arch}`;
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const vm = process.getBuiltinModule('node:vm');
  const moduleApi = process.getBuiltinModule('node:module');
  const dir = moduleApi.getCompileCacheDir?.();
  const cacheFile = dir ? `${dir}/factory-${name}-${fnv1a(key)}.v8` : undefined;
  let cachedData: Buffer | undefined;
  let covered = '';
  if (cacheFile) {
    try {
      cachedData = fs.readFileSync(cacheFile);
      covered = fs.readFileSync(`${cacheFile}.tools`, 'utf8');
    } catch {
      cachedData = undefined;
    }
  }
  let script: import('node:vm').Script;
  let module: { exports: T };
  try {
    script = new vm.Script(
      `(function (exports, require, module, __filename, __dirname, __factoryImport) {'use strict';${source}\n})`,
      {
        filename: file,
        ...(cachedData ? { cachedData } : {}),
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      },
    );
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
  const fresh = !cachedData || script.cachedDataRejected === true;
  const remember = (group: string) => {
    if (!cacheFile) return;
    const groups = fresh ? [] : covered.split(',').filter(Boolean);
    if (groups.includes(group)) return;
    try {
      // Written aside and renamed: a hook running meanwhile reads the old cache or the new one, whole.
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      fs.writeFileSync(`${tmp}.tools`, [...groups, group].join(','));
      fs.renameSync(`${tmp}.tools`, `${cacheFile}.tools`);
    } catch {
      // A cache that cannot be written costs time, not correctness.
    }
  };
  return { exports: module.exports, remember };
}

/** A short name for a cache key (FNV-1a, 32 bits, hex). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
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
