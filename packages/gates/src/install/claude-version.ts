import { spawnSync } from 'node:child_process';
import { findOnPath } from '../secrets/gitleaks.js';

/**
 * What init and doctor check of the machine for Claude Code's engines: the installed Claude Code's version
 * (`onFailure: "block"` needs 2.1.295) and the programs its sandbox needs on Linux (bubblewrap's `bwrap`
 * and `socat`; macOS's Seatbelt is built in).
 */

const versions = new Map<string, string | undefined>();

/** The Claude Code that would run here (`$FACTORY_CLAUDE`, else `claude` on PATH) and its version, or undefined. */
export function claudeCodeVersion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const bin = env.FACTORY_CLAUDE || findOnPath('claude', env);
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
