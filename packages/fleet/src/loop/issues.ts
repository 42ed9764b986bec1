import { openRepositoryState } from '@factory/core/state/repository';
import { resolveForgeTarget } from '../forge/index.js';
import type { IssueRef } from '../forge/types.js';
import type { ManifestRepo } from '../manifest/manifest.js';
import { loopConfig, realPath } from './context.js';
import type { ForgeCache } from './settle.js';

/**
 * The issue scanner: open forge issues with the repository's `loop.issueLabel`, or assigned to its
 * `loop.issueAssignee`, become `work` tasks of that repository. The idempotency key
 * (`github:owner/name#issue-12`) makes a second pass, or a second loop, find the task instead of adding one.
 */
export async function scanIssues(options: {
  readonly repos: readonly ManifestRepo[];
  readonly forges: ForgeCache;
  readonly env: NodeJS.ProcessEnv;
  readonly errors: string[];
}): Promise<number> {
  let created = 0;
  for (const repo of options.repos) {
    try {
      const config = await loopConfig(repo.path);
      if (!config.issueLabel && !config.issueAssignee) continue;
      const target = await resolveForgeTarget(repo, options.env);
      if (!target) continue;
      const forge = await options.forges.get(target.kind, target.project);
      const found = new Map<number, IssueRef>();
      if (config.issueLabel)
        for (const issue of await forge.listIssues({ label: config.issueLabel }))
          found.set(issue.number, issue);
      if (config.issueAssignee)
        for (const issue of await forge.listIssues({ assignee: config.issueAssignee }))
          found.set(issue.number, issue);
      if (found.size === 0) continue;
      const state = openRepositoryState(repo.path);
      try {
        for (const issue of found.values()) {
          const { created: added } = state.tasks.add({
            title: issue.title,
            workflow: 'work',
            key: `${target.kind}:${target.project}#issue-${issue.number}`,
            data: {
              prompt: `${issue.title}\n\n${issue.body}`.trim(),
              repos: [realPath(repo.path)],
              issue: { number: issue.number, url: issue.url },
            },
            maxAttempts: config.maxAttempts,
            actor: 'factory-loop',
          });
          if (added) created++;
        }
      } finally {
        state.close();
      }
    } catch (error) {
      options.errors.push(`${repo.path}: issues: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return created;
}
