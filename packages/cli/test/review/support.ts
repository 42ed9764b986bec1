import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ForgeServer, makeTempRepo, type TempRepo } from '@factory/testkit';

/** Test context of the review tests: a real repository, a one-entry manifest, the forge on loopback. */

export const GITHUB_TOKEN = 'ghp_SweepTestTokenDoNotLeak0123456789';
export const GITLAB_TOKEN = 'glpat-SweepTestTokenDoNotLeak987';

export interface ReviewJson {
  merge: boolean;
  summary: { open: number; mergeable: number; merged: number; failed: number; errors: number };
  repositories: Array<{
    repo: string;
    error: string | null;
    pulls: Array<{
      number: number;
      verdict: string;
      action: string;
      detail: string | null;
      headSha: string;
      reasons: Array<{ rule: string; ok: boolean; message: string }>;
    }>;
  }>;
}

export function setup(forge: 'github' | 'gitlab', project: string, review: Record<string, unknown> = {}) {
  const repo = makeTempRepo({ files: { 'README.md': '# app\n' } });
  const manifest = join(repo.home, 'repos.yaml');
  const policy = { authors: ['dependabot[bot]'], ...review };
  writeFileSync(
    manifest,
    `version: 1\nrepositories:\n  - path: ${repo.dir}\n    forge: ${forge}\n    project: ${project}\n    review: ${JSON.stringify(policy)}\n`,
  );
  return { repo, manifest };
}

export function envFor(
  server: ForgeServer,
  repo: TempRepo,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...repo.env,
    FACTORY_HOME: join(repo.home, 'factory-home'),
    GITHUB_TOKEN,
    GITHUB_API_URL: server.githubApiUrl,
    GITLAB_TOKEN,
    GITLAB_HOST: server.gitlabHost,
    FACTORY_FORGE_WRITE_SPACING_MS: '0',
    ...extra,
  };
}

export function byNumber(result: ReviewJson) {
  const pulls = result.repositories.flatMap((r) => r.pulls);
  return new Map(pulls.map((p) => [p.number, p]));
}

/** The rules that did not pass, by request number. */
export function failedRules(result: ReviewJson): Record<number, string[]> {
  return Object.fromEntries(
    [...byNumber(result)].map(([n, p]) => [n, p.reasons.filter((r) => !r.ok).map((r) => r.rule)]),
  );
}

export function assertNoTokenIn(repo: TempRepo, ...outputs: string[]) {
  for (const output of outputs) {
    assert.ok(!output.includes(GITHUB_TOKEN), 'the GitHub token reached the output');
    assert.ok(!output.includes(GITLAB_TOKEN), 'the GitLab token reached the output');
  }
  for (const dir of [join(repo.dir, '.factory'), join(repo.home, 'factory-home')]) {
    let files: string[] = [];
    try {
      files = readdirSync(dir).map((f) => join(dir, f));
    } catch {}
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      assert.ok(!bytes.includes(GITHUB_TOKEN) && !bytes.includes(GITLAB_TOKEN), `a token reached ${file}`);
    }
  }
}
