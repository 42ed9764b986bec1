import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const agentMarkers = [
  'CLAUDECODE',
  'CODEX_SANDBOX',
  'CODEX_THREAD_ID',
  'GEMINI_CLI',
  'COPILOT_CLI',
  'CURSOR_AGENT',
];

/** A git identity and a config that ignore the developer's own settings, so tests behave the same anywhere. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  // Tests run as a human's terminal even when an agent runs them: the variables by which factory knows an
  // agent's session (gates' install/agent-session.ts) are left out; a test that wants one sets it.
  const inherited = { ...process.env };
  for (const name of agentMarkers) delete inherited[name];
  return {
    ...inherited,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Factory Test',
    GIT_AUTHOR_EMAIL: 'test@factory.invalid',
    GIT_COMMITTER_NAME: 'Factory Test',
    GIT_COMMITTER_EMAIL: 'test@factory.invalid',
    GIT_TERMINAL_PROMPT: '0',
  };
}

export interface TempRepo {
  /** The working tree (a real path, symlinks resolved). */
  readonly dir: string;
  /** A private HOME for everything the test runs, so nothing touches the real one. */
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  git(...args: string[]): string;
  /** git that may fail: returns status and output instead of throwing. */
  tryGit(...args: string[]): { status: number; stdout: string; stderr: string };
  write(path: string, content: string): string;
  read(path: string): string;
  path(...parts: string[]): string;
  /** Creates a bare repository next to this one and adds it as `origin`. */
  addBareRemote(name?: string): string;
  cleanup(): void;
}

export interface TempRepoOptions {
  /** Files to write and commit as the first commit. */
  readonly files?: Record<string, string>;
  readonly branch?: string;
}

/** Makes a real git repository in a fresh temporary folder: never the working directory of the tests. */
export function makeTempRepo(options: TempRepoOptions = {}): TempRepo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'factory-test-')));
  const dir = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env = isolatedGitEnv(home);
  const run = (args: string[], opts: ExecFileSyncOptions = {}) =>
    execFileSync('git', args, {
      cwd: dir,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts,
    }) as string;

  run(['init', '--quiet', '--initial-branch', options.branch ?? 'main']);
  run(['config', 'commit.gpgsign', 'false']);

  const repo: TempRepo = {
    dir,
    home,
    env,
    git: (...args) => run(args),
    tryGit: (...args) => {
      try {
        return { status: 0, stdout: run(args), stderr: '' };
      } catch (error) {
        const e = error as { status?: number; stdout?: string; stderr?: string };
        return { status: e.status ?? 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
      }
    },
    write: (path, content) => {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    path: (...parts) => join(dir, ...parts),
    addBareRemote: (name = 'origin') => {
      const bare = join(root, `${name}.git`);
      execFileSync('git', ['init', '--quiet', '--bare', bare], { env, stdio: 'ignore' });
      run(['remote', 'add', name, bare]);
      return bare;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };

  if (options.files && Object.keys(options.files).length > 0) {
    for (const [path, content] of Object.entries(options.files)) repo.write(path, content);
    run(['add', '-A']);
    run(['commit', '--quiet', '-m', 'initial']);
  }
  return repo;
}

/** A temporary folder that is not a git repository. */
export function makeTempDir(prefix = 'factory-test-'): { dir: string; cleanup(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
