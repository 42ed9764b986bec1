import { ExitCode, FactoryError } from '@factory/core';
import type { ManifestRepo } from '../manifest/manifest.js';
import { messages } from '../messages.js';
import { originUrl, parseRemote } from '../sweep/git.js';
import { pacerOptionsFromEnv, RequestPacer } from './pacer.js';
import type { Forge } from './types.js';

export interface ForgeTarget {
  readonly kind: 'github' | 'gitlab';
  readonly project: string;
}

/**
 * The forge of a repository: the manifest's `forge` and `project`, else what `origin`'s URL says.
 * undefined when neither tells (a purely local remote, for instance).
 */
export async function resolveForgeTarget(
  repo: ManifestRepo,
  env: NodeJS.ProcessEnv,
  remoteUrl?: string,
): Promise<ForgeTarget | undefined> {
  let url = remoteUrl ?? repo.url;
  if ((!repo.forge || !repo.project) && url === undefined) url = originUrl(repo.path);
  const parsed = url ? parseRemote(url, { github: env.GITHUB_API_URL, gitlab: env.GITLAB_HOST }) : undefined;
  const kind = repo.forge ?? parsed?.forge;
  const project = repo.project ?? parsed?.project;
  if (!kind || !project) return undefined;
  return { kind, project };
}

/**
 * Builds forge clients from the environment. Tokens are read here and handed only to the clients:
 * they are never stored, logged or printed (the clients' errors carry only status and message).
 */
export class ForgeFactory {
  private readonly pacers = new Map<string, RequestPacer>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  private pacer(kind: string): RequestPacer {
    let pacer = this.pacers.get(kind);
    if (!pacer) {
      pacer = new RequestPacer(pacerOptionsFromEnv(this.env));
      this.pacers.set(kind, pacer);
    }
    return pacer;
  }

  async create(target: ForgeTarget): Promise<Forge> {
    if (target.kind === 'github') {
      const token = this.env.GITHUB_TOKEN || this.env.GH_TOKEN;
      if (!token)
        throw new FactoryError(
          messages.forgeTokenMissing('GitHub', 'GITHUB_TOKEN or GH_TOKEN'),
          ExitCode.usage,
        );
      const { githubForge } = await import('./github.js');
      return githubForge({
        token,
        baseUrl: this.env.GITHUB_API_URL || undefined,
        project: target.project,
        pacer: this.pacer('github'),
      });
    }
    const token = this.env.GITLAB_TOKEN;
    if (!token) throw new FactoryError(messages.forgeTokenMissing('GitLab', 'GITLAB_TOKEN'), ExitCode.usage);
    const { gitlabForge } = await import('./gitlab.js');
    return gitlabForge({
      token,
      host: this.env.GITLAB_HOST || 'https://gitlab.com',
      project: target.project,
      pacer: this.pacer('gitlab'),
    });
  }
}
