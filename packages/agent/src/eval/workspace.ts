import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { stateDbPath } from '@factory/core/paths';
import { StateStore } from '@factory/core/state/store';
import { addMemory } from '@factory/gates/state/memory';
import { messages } from '../messages.js';
import type { ShellCheckRunner } from './match.js';
import type { LoadedScenario } from './scenario.js';

/** A throw-away copy of a scenario's fixture in which one attempt runs. */
export interface Workspace {
  /** The working tree Claude Code runs in (a git repository). */
  readonly dir: string;
  /** A private HOME for the attempt (scripted lane). */
  readonly home: string;
  readonly shell: ShellCheckRunner;
  /** PATH for the session: the `factory` shim first. */
  readonly path: string;
  cleanup(): void;
}

export interface WorkspaceOptions {
  /** Where shipped skills live: the scenario's skills are copied from here into .claude/skills/. */
  readonly skillsDir?: string;
  /** `.claude/settings.json` written when the scenario asks for `setup.guard` (factory's hook entries). */
  readonly hookSettings?: Record<string, unknown>;
  /** Environment for setup commands and shell checks. */
  readonly env?: NodeJS.ProcessEnv;
  /** Puts a `factory` command on the PATH of the session, setup and checks (this very factory). */
  readonly factoryCommand?: { readonly nodePath: string; readonly binPath: string };
}

const gitIdentity = {
  GIT_AUTHOR_NAME: 'factory eval',
  GIT_AUTHOR_EMAIL: 'eval@factory.invalid',
  GIT_COMMITTER_NAME: 'factory eval',
  GIT_COMMITTER_EMAIL: 'eval@factory.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000) {
  const result = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { exitCode: result.status ?? (result.error ? 127 : 1), output };
}

/** Copies the fixture, makes it a git repository, installs skills, hooks and memory, runs the setup. */
export function prepareWorkspace(loaded: LoadedScenario, options: WorkspaceOptions = {}): Workspace {
  const { scenario } = loaded;
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'factory-eval-')));
  const dir = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  let path = process.env.PATH ?? '';
  if (options.factoryCommand) {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const { nodePath, binPath } = options.factoryCommand;
    const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
    writeFileSync(join(bin, 'factory'), `#!/bin/sh\nexec ${quote(nodePath)} ${quote(binPath)} "$@"\n`, {
      mode: 0o755,
    });
    path = `${bin}:${path}`;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, ...gitIdentity, HOME: home, PATH: path };
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    if (scenario.setup?.fixture) {
      const fixture = resolve(dirname(loaded.file), scenario.setup.fixture);
      if (!existsSync(fixture) || !statSync(fixture).isDirectory()) {
        throw new FactoryError(messages.scenarioFixtureMissing(loaded.file, fixture), ExitCode.usage);
      }
      cpSync(fixture, dir, { recursive: true });
    } else mkdirSync(dir, { recursive: true });

    for (const name of scenario.skills ?? []) {
      if (!options.skillsDir) break;
      const source = join(options.skillsDir, name);
      if (existsSync(source)) cpSync(source, join(dir, '.claude', 'skills', name), { recursive: true });
    }
    if (scenario.setup?.guard && options.hookSettings) {
      mkdirSync(join(dir, '.claude'), { recursive: true });
      writeFileSync(
        join(dir, '.claude', 'settings.json'),
        `${JSON.stringify(options.hookSettings, null, 2)}\n`,
      );
    }
    if (!existsSync(join(dir, '.git'))) {
      for (const command of [
        'git init -q -b main',
        'git config commit.gpgsign false',
        'git add -A',
        'git commit -q --allow-empty -m fixture',
      ]) {
        const r = sh(command, dir, env);
        if (r.exitCode !== 0)
          throw new Error(messages.setupCommandFailed(scenario.name, command, r.output.trim()));
      }
    }
    if (scenario.setup?.memory && scenario.setup.memory.length > 0) {
      const store = StateStore.open({ path: stateDbPath(dir) });
      try {
        for (const m of scenario.setup.memory) addMemory(store, { text: m.text, tags: m.tags ?? [] });
      } finally {
        store.close();
      }
    }
    for (const command of scenario.setup?.commands ?? []) {
      const r = sh(command, dir, env);
      if (r.exitCode !== 0) {
        throw new FactoryError(
          messages.setupCommandFailed(scenario.name, command, r.output.trim().slice(-300)),
          ExitCode.usage,
        );
      }
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return { dir, home, path, shell: (command) => sh(command, dir, env), cleanup };
}
