import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
}

/** Runs the built factory bin in a child process with the same node that runs the tests. */
export function runFactory(args: readonly string[], options: RunCliOptions = {}): CliResult {
  if (!existsSync(factoryBin)) throw new Error(`${factoryBin} is missing: run npm run build first`);
  const result = spawnSync(process.execPath, [factoryBin, ...args], {
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
