import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { gitRaw } from '../gate/git.js';
import { messages } from '../messages.js';

/** Where a repository keeps what: resolved once by git, so init works at any depth and in worktrees. */
export interface RepoLayout {
  /** Top of the working tree. */
  readonly root: string;
  /** The shared git folder (`.git` of the main worktree): config, info/exclude, hooks/. */
  readonly commonDir: string;
  /** This worktree's git folder. */
  readonly gitDir: string;
}

export function repoLayout(cwd: string): RepoLayout {
  const out = gitRaw(cwd, ['rev-parse', '--show-toplevel', '--git-common-dir', '--absolute-git-dir']);
  if (out.status !== 0) throw new FactoryError(messages.gateNotInRepository(cwd), ExitCode.usage);
  const [root = '', common = '', gitDir = ''] = out.stdout.toString('utf8').trim().split('\n');
  return { root, commonDir: isAbsolute(common) ? common : resolve(cwd, common), gitDir };
}

export function gitConfigGet(root: string, key: string): string | undefined {
  const out = gitRaw(root, ['config', '--get', key]);
  return out.status === 0 ? out.stdout.toString('utf8').trim() : undefined;
}

export type RepoKind = 'typescript' | 'python' | 'base';

/** package.json: typescript; pyproject.toml or setup.py: python; anything else: base. */
export function detectRepoKind(root: string): RepoKind {
  if (existsSync(join(root, 'package.json'))) return 'typescript';
  if (existsSync(join(root, 'pyproject.toml')) || existsSync(join(root, 'setup.py'))) return 'python';
  return 'base';
}
