import { resolve } from 'node:path';
import { ExitCode, FactoryError } from '@factory/core';
import type { CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { currentStateLocation } from '../state-context.js';

interface ReviewArgs {
  manifest?: string;
  merge?: boolean;
  only?: string;
  json?: boolean;
  cwd?: string;
}

async function settleWorkTasks(
  repos: readonly string[],
  forges: import('@factory/fleet/forge/index').ForgeFactory,
): Promise<Array<{ repo: string; taskId: number; action: string; detail: string }>> {
  const { existsSync } = await import('node:fs');
  const { stateDbPath } = await import('@factory/core/paths');
  const { openRepositoryState } = await import('@factory/core/state/repository');
  const { ForgeCache, settleTasks } = await import('@factory/fleet/loop/settle');
  const cache = new ForgeCache(forges);
  const settled = [];
  for (const repo of repos) {
    if (!existsSync(stateDbPath(repo))) continue;
    const state = openRepositoryState(repo);
    try {
      for (const entry of await settleTasks({ state, forges: cache })) {
        if (entry.action !== 'waiting') settled.push({ repo, ...entry });
      }
    } finally {
      state.close();
    }
  }
  return settled;
}

export const reviewCommand: CommandModule = {
  command: 'review',
  describe: "apply the merge policy to the manifest's open pull/merge requests (dry run unless --merge)",
  builder: (y) =>
    y
      .option('manifest', { type: 'string', describe: 'manifest file (default $FACTORY_HOME/repos.yaml)' })
      .option('only', { type: 'string', describe: 'only repositories with this tag' })
      .option('merge', { type: 'boolean', describe: 'merge what the policy allows' }),
  handler: async (argv) => {
    const args = argv as unknown as ReviewArgs;
    const { defaultManifestPath, loadManifest, requireRepositories, selectRepositories } = await import(
      '@factory/fleet/manifest/manifest'
    );
    const { ForgeFactory, resolveForgeTarget } = await import('@factory/fleet/forge/index');
    const { reviewRepository } = await import('@factory/fleet/review/review');
    const { repoReviewPolicy } = await import('@factory/fleet/review/policy-source');
    const { describeError } = await import('@factory/fleet/sweep/errors');
    const file = args.manifest ? resolve(args.manifest) : defaultManifestPath();
    const manifest = loadManifest(file);
    requireRepositories(file, manifest);
    const repos = selectRepositories(manifest, args.only);
    if (repos.length === 0 && args.only) {
      throw new FactoryError(messages.manifestNoneTagged(args.only), ExitCode.usage);
    }
    const forges = new ForgeFactory(process.env);
    // State on PostgreSQL (FACTORY_STATE_URL or the current repository's state.url): the pull-request tasks
    // are the team's, and a merge must first win the task's move to `merging` there, so reviewers on
    // several machines never merge one request twice. Decided before any forge call: a config that
    // cannot be read stops the review (exit 2) rather than merging without the shared tasks.
    const cwd = args.cwd ?? process.cwd();
    const location = await currentStateLocation(cwd);
    const shared = location.url
      ? await (await import('@factory/core/state/open-workflow-store')).openWorkflowStore(cwd, {
          url: location.url,
          ...(location.source ? { urlSource: location.source } : {}),
        })
      : undefined;
    const results = [];
    try {
      for (const repo of repos) {
        try {
          const target = await resolveForgeTarget(repo, process.env);
          if (!target) {
            results.push({
              repo: repo.name,
              path: repo.path,
              error: messages.forgeUnknown(repo.name),
              pulls: [],
            });
            continue;
          }
          const forge = await forges.create(target);
          const result = await reviewRepository({
            repoName: repo.name,
            repoPath: repo.path,
            forge,
            policy: await repoReviewPolicy(repo),
            merge: Boolean(args.merge),
            ...(shared ? { shared } : {}),
          });
          results.push({ repo: repo.name, path: repo.path, error: result.error, pulls: result.entries });
        } catch (error) {
          results.push({ repo: repo.name, path: repo.path, error: describeError(error), pulls: [] });
        }
      }
    } finally {
      await shared?.close();
    }
    // A merge may finish a work task: every request of a task merged ends it and reclaims its workspace.
    const tasks = args.merge
      ? await settleWorkTasks(
          repos.map((r) => r.path),
          forges,
        )
      : [];
    // State on PostgreSQL: the snapshots and decisions just recorded go beside the shared pull-request tasks.
    const { syncTeamAfter } = await import('../team-sync.js');
    await syncTeamAfter(
      repos.map((r) => r.path),
      { location },
    );
    const pulls = results.flatMap((r) => r.pulls);
    const summary = {
      repositories: results.length,
      open: pulls.length,
      mergeable: pulls.filter((p) => p.verdict === 'merge').length,
      merged: pulls.filter((p) => p.action === 'merged').length,
      failed: pulls.filter((p) => p.action === 'merge-failed' || p.action === 'head-moved').length,
      errors: results.filter((r) => r.error).length,
    };
    const bad = summary.failed > 0 || summary.errors > 0;
    if (args.json) {
      printJson({ merge: Boolean(args.merge), summary, repositories: results, tasks });
    } else {
      for (const result of results) {
        if (result.error) printLine(`${result.repo}: error: ${result.error}`);
        for (const pull of result.pulls) {
          printLine(
            `${result.repo} ${pull.project}#${pull.number} ${pull.verdict}${pull.action !== 'none' ? ` (${pull.action})` : ''}  ${pull.title}`,
          );
          for (const reason of pull.reasons.filter((r) => !r.ok)) printLine(`    - ${reason.message}`);
          if (pull.detail) printLine(`    ${pull.detail}`);
        }
      }
      for (const task of tasks) printLine(`${task.repo} task #${task.taskId} ${task.action}: ${task.detail}`);
      printLine(messages.reviewSummary(summary, Boolean(args.merge)));
    }
    if (bad) process.exitCode = ExitCode.refused;
  },
};
