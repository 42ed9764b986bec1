import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import {
  computeControlRecord,
  readControlRecord,
  writeControlRecord,
} from '@factory/gates/install/control-record';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

export function initFactory(repo: TempRepo, args: string[] = [], env: NodeJS.ProcessEnv = repo.env) {
  return runFactory(['init', '--yes', ...args], { cwd: repo.dir, env });
}

/** A repository with one commit and factory installed (personal mode unless args say otherwise). */
export function gatedRepo(
  files: Record<string, string> = { 'README.md': '# x\n' },
  args: string[] = [],
): TempRepo {
  const repo = makeTempRepo({ files });
  const init = initFactory(repo, args);
  if (init.status !== 0) throw new Error(`factory init failed: ${init.stderr}`);
  return repo;
}

/**
 * Writes the config as the human would, and records it as `factory init` would after (a config changed
 * behind init's back is tamper: the gates refuse until it is recorded). In process, for speed: the same
 * functions init runs last.
 */
export function writeConfig(repo: TempRepo, config: unknown): void {
  writeFileSync(repo.path('factory.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  recordControlFiles(repo);
}

/** Re-records the control files of a repository where factory init ran (what init does after a human's change). */
export function recordControlFiles(repo: TempRepo): void {
  const previous = readControlRecord(repo.dir);
  if (previous) writeControlRecord(repo.dir, computeControlRecord(repo.dir, previous.claude));
}

/** A stand-in executable on PATH that records its arguments (one line per call) and exits with `code`. */
export function standIn(dir: string, name: string, options: { code?: number; script?: string } = {}): string {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${name}.log`);
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh\necho "${name} $*" >> '${log}'\n${options.script ?? ''}\nexit ${options.code ?? 0}\n`,
  );
  chmodSync(file, 0o755);
  return log;
}

export function withPath(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  return { ...env, PATH: `${dir}:${env.PATH ?? ''}` };
}

export function head(repo: TempRepo): string {
  return repo.git('rev-parse', 'HEAD').trim();
}

/** Everything that partial staging could lose: the index entries, both diffs, and the working-tree bytes. */
export function workState(repo: TempRepo): string {
  const files = repo
    .git('ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter(Boolean)
    .sort()
    .map((path) => `${path}:${existsSync(repo.path(path)) ? readFileSync(repo.path(path), 'base64') : '-'}`);
  return [
    repo.git('ls-files', '-s'),
    repo.git('diff', '--cached', '--binary'),
    repo.git('diff', '--binary'),
    repo.git('stash', 'list'),
    ...files,
  ].join('\n---\n');
}

/** Bytes of every file in the working tree and the git config/exclude: for idempotency checks. */
export function treeBytes(repo: TempRepo): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(repo.dir, full);
      if (rel === '.git' || rel === '.factory') continue;
      if (statSync(full).isDirectory()) walk(full);
      else out.set(rel, `${statSync(full).mode.toString(8)} ${readFileSync(full, 'base64')}`);
    }
  };
  walk(repo.dir);
  out.set('.git/config', readFileSync(repo.path('.git/config'), 'utf8'));
  out.set('.git/info/exclude', readFileSync(repo.path('.git/info/exclude'), 'utf8'));
  return out;
}

/** Runs git in its own process group, so that a test can interrupt it the way a terminal does. */
export function spawnGitGroup(repo: TempRepo, args: string[], env: NodeJS.ProcessEnv = repo.env) {
  const child = spawn('git', args, { cwd: repo.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
  return { child, done };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** git with a chosen environment (e.g. stand-ins on PATH); never throws. */
export function gitWith(repo: TempRepo, env: NodeJS.ProcessEnv, ...args: string[]) {
  const result = spawnSync('git', args, { cwd: repo.dir, env, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A git command made past the gates, as a human may: `--no-verify` skips pre-commit, and the human's
 * recorded skip lets the reference-transaction check move the branch anyway. Throws when git fails.
 */
export function pastTheGates(repo: TempRepo, ...args: string[]): string {
  const result = gitWith(
    repo,
    { ...repo.env, FACTORY_SKIP: 'all', FACTORY_SKIP_REASON: 'test: a commit made past the gates' },
    ...args,
  );
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
