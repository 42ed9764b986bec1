import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { configSection } from '@factory/core/config/types';
import { defaultManifestPath, loadManifest, type Manifest, type ManifestRepo } from '../manifest/manifest.js';

/** The `loop` section of the factory config (schema: packages/core/src/config/schema/loop.schema.json). */
export interface LoopConfig {
  readonly maxTurns: number;
  readonly maxBudgetUsd: number;
  readonly timeoutSeconds: number;
  readonly leaseSeconds: number;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly cadenceSeconds: number;
  readonly branchPrefix: string;
  readonly issueLabel: string;
  readonly issueAssignee: string;
}

/** The loop section of the repository's config, with the schema's defaults. */
export async function loopConfig(repoRoot: string): Promise<LoopConfig> {
  const { loadConfig } = await import('@factory/core/config/load');
  const { config } = await loadConfig({ cwd: repoRoot });
  return configSection<LoopConfig>(config, 'loop');
}

export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The manifest when there is one (a missing file is an empty manifest). */
export function optionalManifest(file: string | undefined, env: NodeJS.ProcessEnv): Manifest {
  const path = file ?? defaultManifestPath(env);
  return existsSync(path)
    ? loadManifest(path, env)
    : { file: path, repositories: [], timeoutSeconds: undefined };
}

/** The manifest's entry for a repository (by real path), or one with the defaults for a repository it lacks. */
export function manifestEntry(manifest: Manifest, repo: string): ManifestRepo {
  const real = realPath(repo);
  const found = manifest.repositories.find((r) => realPath(r.path) === real);
  return (
    found ?? {
      path: real,
      key: real,
      name: basename(real),
      url: undefined,
      forge: undefined,
      project: undefined,
      defaultBranch: undefined,
      tags: [],
      review: {},
    }
  );
}

export function inManifest(manifest: Manifest, repo: string): boolean {
  const real = realPath(repo);
  return manifest.repositories.some((r) => realPath(r.path) === real);
}

/** A worker's name: the host and process, so that `factory task show` says who held a task. */
export function workerName(prefix: string): string {
  return `${prefix}:${hostname()}:${process.pid}`;
}
