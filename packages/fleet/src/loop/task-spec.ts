import { resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import { messages } from '../messages.js';
import { inManifest, loopConfig, optionalManifest, realPath } from './context.js';
import { gitSync } from './git.js';

/**
 * The data of a new `work` task: its prompt and the real paths of its repositories. `--repo` names
 * repositories of the manifest; without it the task works in the current repository.
 */
export async function workTaskInput(options: {
  readonly prompt: string;
  readonly repos: readonly string[];
  readonly current: string;
  readonly manifest?: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<{ data: { prompt: string; repos: string[] }; maxAttempts: number }> {
  const env = options.env ?? process.env;
  if (options.prompt.trim() === '') throw new FactoryError(messages.loop.promptEmpty, ExitCode.usage);
  let repos: string[];
  if (options.repos.length === 0) repos = [realPath(options.current)];
  else {
    const manifest = optionalManifest(options.manifest, env);
    repos = [];
    for (const raw of options.repos) {
      const path = realPath(resolve(raw));
      if (!inManifest(manifest, path))
        throw new FactoryError(messages.loop.repoNotInManifest(path, manifest.file), ExitCode.usage);
      if (!gitSync(path, ['rev-parse', '--git-dir']).ok)
        throw new FactoryError(messages.loop.repoNotGit(path), ExitCode.usage);
      if (!repos.includes(path)) repos.push(path);
    }
  }
  const config = await loopConfig(options.current);
  return { data: { prompt: options.prompt, repos }, maxAttempts: config.maxAttempts };
}
