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
  const [gate = '', ...rest] = args.filter((arg) => arg !== '--debug');
  try {
    const { runGate } = await loadGateRunner();
    return await runGate({
      gate,
      args: rest,
      cwd: process.cwd(),
      env: process.env,
      readStdin,
      exitsAfterGate: true,
    });
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
    return (await import(bundle)) as GateRunner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import('@factory/gates/gate/run');
  }
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

/**
 * Every tool call of the agent starts this process: load the guard's one-file bundle (built by
 * scripts/bundle-hot-paths.mjs) rather than the router and its modules; the plain module when the build
 * has no bundle.
 */
async function loadPreToolUse(): Promise<Route> {
  const bundle = '@factory/gates/hook/pre-tool-use-entry.bundle';
  // The gates package beside this one (node_modules/@factory/{cli,gates}, or packages/{cli,gates} in the
  // workspace): a file URL skips resolving the bare name through node_modules and package exports.
  const siblingBundle = new URL('../../gates/dist/hook/pre-tool-use-entry.bundle.js', import.meta.url).href;
  let entry: {
    routePreToolUse: (raw: string, context: Parameters<Route>[2]) => ReturnType<Route>;
  };
  // Compiled eagerly, every function at once, so that Node's compile cache (bin.ts) holds the bytecode of
  // the whole bundle: by default V8 compiles a function when it is first called, and the cache holds only
  // what was compiled with the module, so every hook process compiled the parser, the analysis and the
  // rules again (measured: the first decision took 20 ms, the second 3 ms; eagerly cached, 5 ms).
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString('--no-lazy');
  try {
    entry = await import(siblingBundle);
  } catch {
    try {
      entry = await import(bundle);
    } catch {
      entry = await import('@factory/gates/hook/pre-tool-use-entry');
    }
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  return (_event, raw, context) => entry.routePreToolUse(raw, context);
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
