import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { loadScenarioFile } from './load.js';
import type { LoadedScenario } from './scenario.js';

const scenarioFile = /\.ya?ml$/i;
// Folders inside evals/ that hold material for scenarios, not scenarios.
const skippedFolders = new Set(['fixtures', 'node_modules', 'sessions', '.git']);

function collect(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.isDirectory()) {
      if (!skippedFolders.has(entry.name)) collect(join(dir, entry.name), out);
    } else if (scenarioFile.test(entry.name)) out.push(join(dir, entry.name));
  }
}

/** Expands files and folders into scenario files (folders: every *.yaml / *.yml, fixtures excluded). */
export function findScenarioFiles(paths: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const path of paths) {
    const full = resolve(cwd, path);
    let isDir = false;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      throw new FactoryError(messages.scenarioUnreadable(path, 'no such file or folder'), ExitCode.usage);
    }
    if (isDir) collect(full, files);
    else files.push(full);
  }
  if (files.length === 0) throw new FactoryError(messages.evalNoScenarios(paths.join(', ')), ExitCode.usage);
  return [...new Set(files)];
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Loads every scenario; names must be unique because runs are compared by name. */
export function loadScenarios(paths: readonly string[], cwd: string): LoadedScenario[] {
  const loaded = findScenarioFiles(paths, cwd).map((file) => {
    const scenario = loadScenarioFile(file);
    return { ...scenario, display: relative(cwd, file) || file };
  });
  const seen = new Map<string, string>();
  for (const { file, scenario, display } of loaded) {
    // A missing fixture is a mistake in the scenario file: say so before any session starts.
    const fixture = scenario.setup?.fixture;
    if (fixture !== undefined) {
      const full = resolve(dirname(file), fixture);
      if (!isFolder(full))
        throw new FactoryError(messages.scenarioFixtureMissing(display, full), ExitCode.usage);
    }
    const first = seen.get(scenario.name);
    if (first)
      throw new FactoryError(messages.scenarioDuplicate(scenario.name, first, display), ExitCode.usage);
    seen.set(scenario.name, display);
  }
  return loaded.map(({ file, scenario }) => ({ file, scenario }));
}
