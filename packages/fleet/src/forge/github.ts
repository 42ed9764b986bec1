import { Octokit } from '@octokit/rest';
import type { CheckResult, PullSnapshot } from '../review/types.js';
import { isModifying, type RequestPacer } from './pacer.js';
import { type Forge, ForgeHttpError, type MergeOutcome, type PullSummary, type RequestRef } from './types.js';

export interface GithubOptions {
  readonly token: string;
  /** GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3); default the public API. */
  readonly baseUrl: string | undefined;
  readonly project: string;
  readonly pacer: RequestPacer;
}

interface OctokitError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string } };
}

function shortMessage(error: OctokitError): string {
  return String(error.response?.data?.message ?? error.message ?? 'request failed')
    .split('\n')[0]!
    .slice(0, 200);
}

function checkRunState(status: string, conclusion: string | null): CheckResult['state'] {
  if (status !== 'completed') return 'pending';
  switch (conclusion) {
    case 'success':
      return 'success';
    case 'neutral':
      return 'neutral';
    case 'skipped':
      return 'skipped';
    default:
      return 'failure';
  }
}

function statusState(state: string): CheckResult['state'] {
  if (state === 'success') return 'success';
  if (state === 'pending') return 'pending';
  return 'failure';
}

/** GitHub through octokit: pull requests, check runs, statuses, reviews, files and the merge. */
export function githubForge(options: GithubOptions): Forge {
  const [owner, repo] = options.project.split('/') as [string, string];
  const octokit = new Octokit({
    auth: options.token,
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    userAgent: 'factory-sweep',
    // Silence octokit's own console logging: our messages are the only output, and never carry headers.
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const pacer = options.pacer;

  // Every request passes the pacer: modifying calls spaced, 429s and secondary limits waited out.
  // A 5xx is never retried here for a modifying call: review re-reads the pull request first.
  octokit.hook.wrap('request', async (request, endpoint) => {
    const modifying = isModifying(endpoint.method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await (modifying ? pacer.write(async () => request(endpoint)) : request(endpoint));
      } catch (caught) {
        const error = caught as OctokitError;
        const status = error.status ?? 0;
        const wait = pacer.rateLimitWaitMs(status, error.response?.headers ?? {}, shortMessage(error));
        if (wait !== undefined && attempt < pacer.options.maxRetries) {
          await pacer.waitOut('GitHub', wait);
          continue;
        }
        if (!modifying && status >= 500 && attempt < 2) continue;
        throw new ForgeHttpError(status || 'network error', shortMessage(error));
      }
    }
  });

  const ref = (pr: {
    number: number;
    html_url: string;
    head: { sha: string };
    state: string;
    merged?: boolean | null;
    merged_at?: string | null;
  }): RequestRef => ({
    number: pr.number,
    url: pr.html_url,
    headSha: pr.head.sha,
    state: pr.merged || pr.merged_at ? 'merged' : pr.state === 'open' ? 'open' : 'closed',
  });

  return {
    kind: 'github',
    project: options.project,
    async listOpen(): Promise<PullSummary[]> {
      const pulls = await octokit.paginate(octokit.rest.pulls.list, {
        owner,
        repo,
        state: 'open',
        per_page: 100,
      });
      return pulls.map((p) => ({
        number: p.number,
        title: p.title,
        headSha: p.head.sha,
        draft: Boolean(p.draft),
      }));
    },

    async snapshot(number: number): Promise<PullSnapshot> {
      const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
      const sha = pr.head.sha;
      const [files, runs, statuses, reviews] = await Promise.all([
        octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: number, per_page: 100 }),
        octokit.paginate(octokit.rest.checks.listForRef, {
          owner,
          repo,
          ref: sha,
          filter: 'latest',
          per_page: 100,
        }),
        octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
          owner,
          repo,
          ref: sha,
          per_page: 100,
        }),
        octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 }),
      ]);
      const checks: CheckResult[] = runs.map((run) => ({
        name: run.name,
        state: checkRunState(run.status, run.conclusion),
        sha: run.head_sha,
        source: 'check-run',
      }));
      // Statuses come newest first: the first of each context is its current state.
      const seen = new Set<string>();
      for (const status of statuses) {
        if (seen.has(status.context)) continue;
        seen.add(status.context);
        checks.push({ name: status.context, state: statusState(status.state), sha, source: 'status' });
      }
      const latestByUser = new Map<string, string>();
      for (const review of reviews) if (review.user) latestByUser.set(review.user.login, review.state);
      const approvals = [...latestByUser.values()].filter((state) => state === 'APPROVED').length;
      return {
        forge: 'github',
        repo: options.project,
        number,
        title: pr.title,
        url: pr.html_url,
        author: pr.user?.login ?? 'unknown',
        state: pr.merged ? 'merged' : pr.state === 'open' ? 'open' : 'closed',
        draft: Boolean(pr.draft),
        headSha: sha,
        baseRef: pr.base.ref,
        labels: pr.labels.map((label) => label.name ?? '').filter(Boolean),
        changedFiles: files.map((file) => file.filename),
        additions: pr.additions,
        deletions: pr.deletions,
        mergeable: pr.mergeable === null ? undefined : pr.mergeable,
        upToDate:
          pr.mergeable_state === 'unknown' || pr.mergeable === null
            ? undefined
            : pr.mergeable_state !== 'behind',
        checks,
        approvals,
        changesRequestedBy: [...latestByUser.entries()]
          .filter(([, state]) => state === 'CHANGES_REQUESTED')
          .map(([user]) => user),
      };
    },

    async findByBranch(branch) {
      const pulls = await octokit.rest.pulls.list({
        owner,
        repo,
        state: 'all',
        head: `${owner}:${branch}`,
        sort: 'created',
        direction: 'desc',
        per_page: 10,
      });
      const newest = pulls.data.find((p) => p.head.ref === branch);
      return newest ? ref(newest) : undefined;
    },

    async listIssues(filter) {
      const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        per_page: 100,
        ...(filter.label ? { labels: filter.label } : {}),
        ...(filter.assignee ? { assignee: filter.assignee } : {}),
      });
      return issues
        .filter((issue) => !issue.pull_request)
        .map((issue) => ({
          number: issue.number,
          title: issue.title,
          body: issue.body ?? '',
          url: issue.html_url,
        }));
    },

    async openRequest(input) {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: input.branch,
        base: input.base,
        title: input.title,
        body: input.body,
      });
      return ref(data);
    },

    async updateRequest(number, input) {
      const { data } = await octokit.rest.pulls.update({
        owner,
        repo,
        pull_number: number,
        title: input.title,
        body: input.body,
      });
      return ref(data);
    },

    async merge(number, headSha, method): Promise<MergeOutcome> {
      try {
        const { data } = await octokit.rest.pulls.merge({
          owner,
          repo,
          pull_number: number,
          sha: headSha,
          merge_method: method,
        });
        return { kind: 'merged', sha: data.sha };
      } catch (error) {
        if (!(error instanceof ForgeHttpError)) throw error;
        if (error.status === 409) return { kind: 'head-moved', detail: error.detail };
        if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
          return { kind: 'not-mergeable', status: error.status, detail: error.detail };
        }
        return { kind: 'server-error', status: error.status, detail: error.detail };
      }
    },
  };
}
