import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimumClaudeCodeVersion } from '../guard/hook-entries.js';
import { messages } from '../messages.js';
import { findOnPath } from '../secrets/gitleaks.js';

/**
 * The one place that finds the Claude Code CLI and checks its version, for every command that runs or
 * judges it (`factory work` and `loop`, `factory eval run`, init and doctor): the binary, its version
 * (`onFailure: "block"` needs 2.1.295), and the programs its sandbox needs on Linux (bubblewrap's `bwrap`
 * and `socat`; macOS's Seatbelt is built in).
 */

/** The oldest Claude Code factory runs sessions with: hooks that fail closed (`onFailure: "block"`). */
export const MIN_CLAUDE_VERSION = minimumClaudeCodeVersion;

export interface FindClaudeOptions {
  /** `--claude BIN`: wins over everything. */
  readonly explicit?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Whether a `node_modules/.bin/claude` above factory's own code counts (a development checkout's pinned
   * Claude Code, as `factory eval run` uses it). init and doctor ask about the Claude Code a person runs,
   * so they leave it out.
   */
  readonly bundled?: boolean;
  /** Where the deprecation line of FACTORY_CLAUDE_BIN goes (default: stderr, once per process). */
  readonly warn?: (line: string) => void;
}

let warnedOldName = false;
const warnOnce = (line: string) => {
  if (warnedOldName) return;
  warnedOldName = true;
  process.stderr.write(`${line}\n`);
};

/**
 * The Claude Code CLI: `--claude BIN`, else `FACTORY_CLAUDE`, else the old `FACTORY_CLAUDE_BIN` (with a
 * deprecation line), else a `node_modules/.bin/claude` above factory's code (unless `bundled` is false),
 * else `claude` on PATH; `claude` when none is found (running it then says it is missing).
 */
export function findClaude(options: FindClaudeOptions = {}): string {
  return findClaudeOrUndefined(options) ?? 'claude';
}

function findClaudeOrUndefined(options: FindClaudeOptions): string | undefined {
  const env = options.env ?? process.env;
  if (options.explicit) return options.explicit;
  if (env.FACTORY_CLAUDE) return env.FACTORY_CLAUDE;
  if (env.FACTORY_CLAUDE_BIN) {
    (options.warn ?? warnOnce)(messages.claudeBinDeprecated);
    return env.FACTORY_CLAUDE_BIN;
  }
  if (options.bundled !== false) {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      const candidate = join(dir, 'node_modules', '.bin', 'claude');
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return findOnPath('claude', env);
}

export type ClaudeCheck =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly problem: 'missing' | 'too-old' | 'unreadable'; readonly detail: string };

/** Runs `BIN --version` (asynchronously: callers keep heartbeating) and checks it against MIN_CLAUDE_VERSION. */
export function checkClaude(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<ClaudeCheck> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { env, timeout: 30_000, encoding: 'utf8' }, (error, stdout) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ ok: false, problem: 'missing', detail: bin });
        return;
      }
      const version = /(\d+\.\d+\.\d+)/.exec(String(stdout ?? ''))?.[1];
      if (!version) {
        resolve({
          ok: false,
          problem: 'unreadable',
          detail: error ? String(error.message).split('\n')[0]! : String(stdout).trim().slice(0, 80),
        });
        return;
      }
      if (versionBelow(version, MIN_CLAUDE_VERSION)) {
        resolve({ ok: false, problem: 'too-old', detail: version });
        return;
      }
      resolve({ ok: true, version });
    });
  });
}

const versions = new Map<string, string | undefined>();

/**
 * The version of the Claude Code a person runs here (`FACTORY_CLAUDE`, else `claude` on PATH), or
 * undefined: what init and doctor compare with MIN_CLAUDE_VERSION.
 */
export function claudeCodeVersion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const bin = findClaudeOrUndefined({ env, bundled: false, warn: () => {} });
  if (!bin) return undefined;
  // One question per binary and process: the sweep asks it for every repository.
  if (versions.has(bin)) return versions.get(bin);
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000, env });
  const version = out.status === 0 ? /(\d+\.\d+\.\d+)/.exec(out.stdout)?.[1] : undefined;
  versions.set(bin, version);
  return version;
}

/** Whether dotted version `a` is lower than `b`. */
export function versionBelow(a: string, b: string): boolean {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i] ?? 0;
    const y = right[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** The Debian package names of the sandbox's programs that are not on PATH (Linux only). */
export function missingSandboxTools(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  if (platform !== 'linux') return [];
  const missing: string[] = [];
  if (!findOnPath('bwrap', env)) missing.push('bubblewrap');
  if (!findOnPath('socat', env)) missing.push('socat');
  return missing;
}
