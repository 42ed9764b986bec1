import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { factoryEntryMarker } from '@factory/gates/guard/hook-entries';
import { git } from './git.js';

/** One drift check's outcome in one repository. */
export interface DriftCheck {
  readonly name: 'hooks' | 'guard' | 'skills' | 'config' | 'version' | string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Where drift is judged and mended. The sweep depends only on this interface: the basic provider below
 * checks what can be told from the files alone; `factory doctor`'s API replaces it when it ships, and
 * `fix` re-runs `factory init` in the repository.
 */
export interface DriftProvider {
  check(repoPath: string, signal: AbortSignal): Promise<DriftCheck[]>;
  fix(repoPath: string, signal: AbortSignal): Promise<{ ok: boolean; detail: string }>;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const CONFIG_FILES = ['factory.config.json', '.factoryrc.json', '.factoryrc'];

/**
 * The basic checks, from the files alone:
 * - hooks: git's effective hooks folder has a pre-commit that reaches `factory gate`
 * - guard: .claude/settings(.local).json carries factory's fail-closed PreToolUse entry
 * - skills: every installed skill that factory ships is byte-identical to the shipped one
 * - config: the factory config file, if any, is valid JSON
 */
export function basicDriftProvider(options: {
  skillsDir: string | undefined;
  factoryBin: string;
}): DriftProvider {
  return {
    async check(repoPath, signal) {
      const checks: DriftCheck[] = [];
      const hooksPath = await git(repoPath, ['rev-parse', '--git-path', 'hooks'], {
        signal,
        timeoutMs: 10_000,
      });
      const hooksDir = hooksPath.stdout.trim();
      const dir = isAbsolute(hooksDir) ? hooksDir : join(repoPath, hooksDir);
      const preCommit = readText(join(dir, 'pre-commit'));
      const chained =
        preCommit && /factory/.test(preCommit) ? preCommit : readText(join(repoPath, '.husky', 'pre-commit'));
      const hooksOk = Boolean(preCommit) && Boolean(chained && /factory\b.*\bgate\b/.test(chained));
      checks.push({
        name: 'hooks',
        ok: hooksOk,
        detail: hooksOk
          ? 'pre-commit runs factory gate'
          : preCommit
            ? 'pre-commit does not run factory gate'
            : 'no pre-commit hook installed',
      });

      let guardOk = false;
      for (const name of ['settings.json', 'settings.local.json']) {
        const text = readText(join(repoPath, '.claude', name));
        if (text?.includes(factoryEntryMarker) && /PreToolUse/.test(text)) guardOk = true;
      }
      checks.push({
        name: 'guard',
        ok: guardOk,
        detail: guardOk ? 'guard installed' : 'no factory PreToolUse guard in .claude/settings.json',
      });

      const stale: string[] = [];
      if (options.skillsDir && existsSync(options.skillsDir)) {
        const installedRoot = join(repoPath, '.claude', 'skills');
        const { readdirSync } = await import('node:fs');
        for (const skill of readdirSync(options.skillsDir, { withFileTypes: true })) {
          if (!skill.isDirectory()) continue;
          const shipped = readText(join(options.skillsDir, skill.name, 'SKILL.md'));
          const installed = readText(join(installedRoot, skill.name, 'SKILL.md'));
          if (shipped !== undefined && installed !== undefined && shipped !== installed)
            stale.push(skill.name);
          if (shipped !== undefined && installed === undefined && existsSync(installedRoot))
            stale.push(skill.name);
        }
      }
      checks.push({
        name: 'skills',
        ok: stale.length === 0,
        detail: stale.length ? `stale skills: ${stale.join(', ')}` : 'skills in sync',
      });

      let configDetail = 'no factory config (defaults)';
      let configOk = true;
      for (const file of CONFIG_FILES) {
        const text = readText(join(repoPath, file));
        if (text === undefined) continue;
        try {
          JSON.parse(text);
          configDetail = `${file} is valid`;
        } catch (error) {
          configOk = false;
          configDetail = `${file} is not valid JSON (${(error as Error).message.split('\n')[0]})`;
        }
        break;
      }
      checks.push({ name: 'config', ok: configOk, detail: configDetail });
      return checks;
    },

    fix(repoPath, signal) {
      // --fix re-runs init in the repository, the same command a person would run.
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [options.factoryBin, 'init', '--yes'], {
          cwd: repoPath,
          stdio: ['ignore', 'pipe', 'pipe'],
          signal,
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
        });
        child.stdout.resume();
        child.on('error', (error) => resolve({ ok: false, detail: error.message }));
        child.on('close', (code) =>
          resolve({
            ok: code === 0,
            detail: code === 0 ? 'factory init re-run' : (stderr.trim().split('\n')[0] ?? `exit ${code}`),
          }),
        );
      });
    },
  };
}
