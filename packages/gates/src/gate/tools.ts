import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';

/**
 * The programs that tasks and pre-push commands start, and where factory looks for them: the project's
 * `node_modules/.bin` (npm), its `.venv/bin` (Python: uv, poetry and `python -m venv` put ruff, ty and
 * tach there), then PATH. One place, so that the gates, init and doctor agree on what is installed.
 */
export function toolFolders(root: string): string[] {
  return [join(root, 'node_modules', '.bin'), join(root, '.venv', 'bin')];
}

/** PATH for tasks and commands run in `root`: the project's tool folders first. */
export function toolPath(root: string, path = process.env.PATH ?? ''): string {
  return [...toolFolders(root), path].join(delimiter);
}

/** The program a command starts: its first word, when that is a plain name (not a path, not shell syntax). */
export function toolOf(command: string): string | undefined {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return /^[\w.@+-]+$/.test(first) ? first : undefined;
}

/** Where `tool` would be found for a command run in `root`; undefined when nowhere. */
export function findTool(
  root: string,
  tool: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const dir of toolPath(root, env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A task's or command's tool that is not installed, with where it is configured. */
export interface MissingTool {
  readonly tool: string;
  /** `gates.preCommit.tasks["*.py"]` or `gates.prePush.commands[0]`. */
  readonly where: string;
  readonly optional: boolean;
}

export interface TaskEntry {
  readonly run: readonly string[];
  readonly optional: boolean;
}

/** A configured task value, whichever way it is written: a command, a list, or `{ run, optional }`. */
export function taskEntry(
  value: string | readonly string[] | { run: string | readonly string[]; optional?: boolean },
): TaskEntry {
  if (typeof value === 'string') return { run: [value], optional: false };
  if (Array.isArray(value)) return { run: [...(value as readonly string[])], optional: false };
  const object = value as { run: string | readonly string[]; optional?: boolean };
  return {
    run: typeof object.run === 'string' ? [object.run] : [...object.run],
    optional: object.optional === true,
  };
}

/** Every configured task and pre-push command whose program is installed nowhere factory looks. */
export function missingTools(
  root: string,
  config: FactoryConfig,
  env: NodeJS.ProcessEnv = process.env,
): MissingTool[] {
  const found: MissingTool[] = [];
  const seen = new Set<string>();
  const check = (command: string, where: string, optional: boolean) => {
    const tool = toolOf(command);
    if (!tool || seen.has(tool) || findTool(root, tool, env)) return;
    seen.add(tool);
    found.push({ tool, where, optional });
  };
  for (const [glob, value] of Object.entries(config.gates.preCommit.tasks)) {
    const entry = taskEntry(value);
    for (const command of entry.run) check(command, `gates.preCommit.tasks["${glob}"]`, entry.optional);
  }
  config.gates.prePush.commands.forEach((entry, index) => {
    if (typeof entry === 'string') check(entry, `gates.prePush.commands[${index}]`, false);
    else
      check(
        entry.run,
        `gates.prePush.commands[${index}] (${entry.name ?? entry.run})`,
        entry.optional === true,
      );
  });
  return found;
}
