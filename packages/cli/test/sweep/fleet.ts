import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncSkills } from '@factory/gates/skills/sync';
import { makeTempDir, makeTempRepo, runFactory } from '@factory/testkit';

/**
 * Test context of the sweep tests: `count` real repositories that a sweep finds healthy, each a clone
 * with its own bare remote. One template gets a real `factory init` and its skills; the others are file
 * copies of it (far cheaper than an init each), with the absolute paths init recorded moved to each copy.
 */
export interface Fleet {
  readonly root: string;
  readonly manifest: string;
  readonly env: NodeJS.ProcessEnv;
  /** Working trees, in manifest order. */
  readonly repos: readonly string[];
  /** Bare remotes, in the same order. */
  readonly remotes: readonly string[];
  git(dir: string, ...args: string[]): string;
  cleanup(): void;
}

/**
 * A file copy of an initialized repository, moved to `dir`: the absolute paths init recorded in its git
 * config and in its control record (core.hooksPath) now name the copy, as an init there would have written
 * them (the recorded mark is a file in the git folder: copied as it is).
 */
export function movePaths(from: string, dir: string, bare: string, remote: string): void {
  const config = join(dir, '.git', 'config');
  writeFileSync(config, readFileSync(config, 'utf8').replace(bare, remote).replaceAll(from, dir));
  const record = join(dir, '.factory', 'control.json');
  if (existsSync(record)) writeFileSync(record, readFileSync(record, 'utf8').replaceAll(from, dir));
}

export function makeHealthyFleet(count: number, prefix = 'repo'): Fleet {
  const template = makeTempRepo({ files: { 'README.md': '# app\n' } });
  const root = makeTempDir('factory-fleet-');
  const bare = join(root.dir, 'template.git');
  template.git('clone', '--quiet', '--bare', template.dir, bare);
  const clone = join(root.dir, 'template');
  template.git('clone', '--quiet', bare, clone);
  const init = runFactory(['init', '--yes'], { cwd: clone, env: template.env });
  assert.equal(init.status, 0, init.stderr);
  syncSkills({ repoRoot: clone, names: ['factory-workflow'] });
  const repos: string[] = [];
  const remotes: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(root.dir, `${prefix}-${i}`);
    const remote = join(root.dir, `${prefix}-${i}.git`);
    cpSync(bare, remote, { recursive: true });
    cpSync(clone, dir, { recursive: true });
    movePaths(clone, dir, bare, remote);
    repos.push(dir);
    remotes.push(remote);
  }
  const manifest = join(root.dir, 'repos.yaml');
  writeFileSync(manifest, `version: 1\nrepositories:\n${repos.map((dir) => `  - path: ${dir}\n`).join('')}`);
  const env: NodeJS.ProcessEnv = { ...template.env, FACTORY_HOME: join(root.dir, 'home') };
  return {
    root: root.dir,
    manifest,
    env,
    repos,
    remotes,
    git: (dir, ...args) => template.git('-C', dir, ...args),
    cleanup: () => {
      template.cleanup();
      root.cleanup();
    },
  };
}
