import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository this test kit lives in. */
export const projectRoot = join(here, '..', '..', '..');

/** The built `factory` bin: tests spawn it as users do (run `npm run build` first; `npm test` does). */
export const factoryBin = join(projectRoot, 'packages', 'cli', 'dist', 'bin.js');

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Run as another user (the tests run as root, which no file permission stops). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Another build's bin.js (privateFactoryBuild) instead of the project's. */
  readonly bin?: string;
}

/** Runs the built factory bin in a child process with the same node that runs the tests. */
export function runFactory(args: readonly string[], options: RunCliOptions = {}): CliResult {
  const bin = options.bin ?? factoryBin;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? projectRoot,
    env: options.env ?? process.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The JSON document a command printed, when it succeeded; otherwise an error with what it said on stderr. */
export function jsonOf<T>(result: CliResult): T {
  if (result.status !== 0) throw new Error(`factory exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A copy of the built factory that a test has to itself; see privateFactoryBuild. */
export interface PrivateFactoryBuild {
  /** The copy's folder (its packages/ and node_modules). */
  readonly dir: string;
  /** Its bin.js, to spawn instead of factoryBin (and to run `init` with, so that hooks call it). */
  readonly bin: string;
  /** The copy's gates dist folder, where the hot-path bundles and their code caches are. */
  readonly gatesDist: string;
  readonly cleanup: () => void;
}

/**
 * A private copy of the built cli and gates packages (dist and package.json; node_modules linked to the
 * project's), for tests of what the hot paths write beside their bundles (the V8 code caches): other tests
 * running at the same time use the project's build and never touch it. Caches of the project's build are
 * left out of the copy.
 */
export function privateFactoryBuild(): PrivateFactoryBuild {
  if (!existsSync(factoryBin)) throw new Error(`${factoryBin} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'factory-build-'));
  const skip = (path: string) => !/\.v8-cache$|^\.compile-cache$/.test(basename(path));
  for (const pkg of ['cli', 'gates']) {
    const from = join(projectRoot, 'packages', pkg);
    cpSync(join(from, 'dist'), join(dir, 'packages', pkg, 'dist'), { recursive: true, filter: skip });
    cpSync(join(from, 'package.json'), join(dir, 'packages', pkg, 'package.json'));
  }
  // What the bundles find by walking up from their folder (core's findShipped): the presets, the
  // schema and the skills, as in the project.
  for (const shared of ['node_modules', 'presets', 'skills'])
    symlinkSync(join(projectRoot, shared), join(dir, shared));
  mkdirSync(join(dir, 'packages', 'core'), { recursive: true });
  symlinkSync(join(projectRoot, 'packages', 'core', 'schema'), join(dir, 'packages', 'core', 'schema'));
  return {
    dir,
    bin: join(dir, 'packages', 'cli', 'dist', 'bin.js'),
    gatesDist: join(dir, 'packages', 'gates', 'dist'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
