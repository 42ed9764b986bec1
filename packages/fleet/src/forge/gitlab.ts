import { createRequesterFn } from '@gitbeaker/requester-utils';
import { Gitlab } from '@gitbeaker/rest';
import type { CheckResult, PullSnapshot } from '../review/types.js';
import { isModifying, type RequestPacer } from './pacer.js';
import {
  type Forge,
  ForgeHttpError,
  ForgeTimeoutError,
  type MergeOutcome,
  type PullSummary,
  type RequestRef,
} from './types.js';

export interface GitlabOptions {
  readonly token: string;
  /** GITLAB_HOST, e.g. https://gitlab.example.com */
  readonly host: string;
  readonly project: string;
  readonly pacer: RequestPacer;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  prefixUrl?: string;
  searchParams?: string;
  signal?: AbortSignal;
}

async function shortMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error ?? text;
    return (typeof message === 'string' ? message : JSON.stringify(message)).slice(0, 200);
  } catch {
    return text.split('\n')[0]!.slice(0, 200);
  }
}

/** One request's answer: its body when it succeeded, the forge's short message when it did not. */
type Attempt =
  | { readonly response: Response; readonly failure: undefined; readonly parsed: unknown }
  | { readonly response: Response; readonly failure: string };

/**
 * @gitbeaker/rest's own request handler retries 429 and 502 blindly (a merge too) and ignores Retry-After;
 * this one, given to the real client through its `requesterFn` option, waits what the forge asks and never
 * repeats a modifying call after a server error.
 */
function pacedRequestHandler(pacer: RequestPacer) {
  return async (endpoint: string, options: RequestOptions = {}) => {
    const { prefixUrl, searchParams, method = 'GET', headers, body, signal } = options;
    const base = prefixUrl ? (prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`) : undefined;
    const url = new URL(endpoint, base);
    url.search = searchParams ?? '';
    const modifying = isModifying(method);
    for (let attempt = 0; ; attempt++) {
      // One attempt, answer body included, within the forge time limit.
      const attemptOnce = () =>
        pacer.withTimeout('GitLab', signal, async (limit): Promise<Attempt> => {
          const response = await fetch(url, { method, headers, body, signal: limit });
          if (!response.ok) {
            return { response, failure: await shortMessage(response) };
          }
          const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
          const parsed =
            response.status === 204
              ? null
              : type === 'application/json'
                ? ((await response.json()) ?? {})
                : await response.text();
          return { response, failure: undefined, parsed };
        });
      let outcome: Attempt;
      try {
        outcome = await (modifying ? pacer.write(attemptOnce) : attemptOnce());
      } catch (error) {
        if (error instanceof ForgeTimeoutError) throw error;
        if (!modifying && attempt < 2) continue;
        throw new ForgeHttpError('network error', (error as Error).name);
      }
      const { response } = outcome;
      if (outcome.failure === undefined) {
        return {
          body: outcome.parsed,
          headers: Object.fromEntries(response.headers.entries()),
          status: response.status,
        };
      }
      const detail = outcome.failure;
      const wait = pacer.rateLimitWaitMs(
        response.status,
        Object.fromEntries(response.headers.entries()),
        detail,
      );
      if (wait !== undefined && attempt < pacer.options.maxRetries) {
        await pacer.waitOut('GitLab', wait);
        continue;
      }
      if (!modifying && response.status >= 500 && attempt < 2) continue;
      throw new ForgeHttpError(response.status, detail);
    }
  };
}

function jobState(status: string): CheckResult['state'] {
  switch (status) {
    case 'success':
      return 'success';
    case 'skipped':
      return 'skipped';
    case 'failed':
    case 'canceled':
      return 'failure';
    case 'manual':
      return 'neutral';
    default:
      return 'pending';
  }
}

interface MrBody {
  iid: number;
  title: string;
  web_url: string;
  author?: { username?: string };
  state: string;
  draft?: boolean;
  work_in_progress?: boolean;
  sha: string;
  target_branch: string;
  labels?: Array<string | { name: string }>;
  has_conflicts?: boolean;
  detailed_merge_status?: string;
  merge_commit_sha?: string | null;
  /** A string: "12", or "1000+" when GitLab stopped counting. */
  changes_count?: string | number | null;
}

interface GitlabDiff {
  new_path: string;
  old_path: string;
  diff?: string;
  too_large?: boolean;
  collapsed?: boolean;
}

/** GitLab through @gitbeaker/rest: merge requests, pipelines and jobs, approvals, diffs and the merge. */
export function gitlabForge(options: GitlabOptions): Forge {
  const api = new Gitlab({
    host: options.host.replace(/\/+$/, ''),
    token: options.token,
    requesterFn: createRequesterFn(
      ((_service: unknown, requestOptions: unknown) => Promise.resolve(requestOptions)) as never,
      pacedRequestHandler(options.pacer) as never,
    ) as never,
    rateLimits: {},
  } as never) as InstanceType<typeof Gitlab>;
  const project = options.project;

  const snapshot = async (number: number): Promise<PullSnapshot> => {
    const mr = (await api.MergeRequests.show(project, number)) as unknown as MrBody;
    const [diffs, pipelines, approvals, reviewers] = await Promise.all([
      api.MergeRequests.allDiffs(project, number) as unknown as Promise<GitlabDiff[]>,
      api.MergeRequests.allPipelines(project, number) as unknown as Promise<
        Array<{ id: number; sha: string; status: string }>
      >,
      api.MergeRequestApprovals.showConfiguration(project, {
        mergerequestIId: number,
      }) as unknown as Promise<{
        approved_by?: unknown[];
      }>,
      // A reviewer's state is their latest review: `requested_changes` is GitLab's "request changes".
      api.MergeRequests.showReviewers(project, number) as unknown as Promise<
        Array<{ user?: { username?: string }; state?: string }>
      >,
    ]);
    let additions = 0;
    let deletions = 0;
    const unmeasuredFiles: string[] = [];
    for (const diff of diffs) {
      let lines = 0;
      for (const line of (diff.diff ?? '').split('\n')) {
        if (line.startsWith('+') && !line.startsWith('+++')) additions++;
        else if (line.startsWith('-') && !line.startsWith('---')) deletions++;
        else continue;
        lines++;
      }
      // A pure rename, a binary file or a diff GitLab collapsed as too large shows no lines.
      if (lines === 0 || diff.too_large || diff.collapsed) unmeasuredFiles.push(diff.new_path);
    }
    const changedFiles = [...new Set(diffs.flatMap((d) => [d.new_path, d.old_path]))];
    // GitLab caps the diffs it lists and then says "1000+": only an exact count that matches is complete.
    const count = String(mr.changes_count ?? '');
    const filesTotal = /^\d+$/.test(count) ? Number(count) : undefined;
    const onHead = pipelines.filter((p) => p.sha === mr.sha).sort((a, b) => b.id - a.id)[0];
    const checks: CheckResult[] = [];
    if (onHead) {
      const jobs = (await api.Jobs.all(project, { pipelineId: onHead.id })) as unknown as Array<{
        name: string;
        status: string;
      }>;
      checks.push({ name: 'pipeline', state: jobState(onHead.status), sha: mr.sha, source: 'pipeline' });
      for (const job of jobs)
        checks.push({ name: job.name, state: jobState(job.status), sha: mr.sha, source: 'job' });
    }
    const status = mr.detailed_merge_status ?? '';
    const unknown =
      status === 'checking' || status === 'unchecked' || status === 'preparing' || status === '';
    return {
      forge: 'gitlab',
      repo: project,
      number,
      title: mr.title,
      url: mr.web_url,
      author: mr.author?.username ?? 'unknown',
      state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
      draft: Boolean(mr.draft ?? mr.work_in_progress),
      headSha: mr.sha,
      baseRef: mr.target_branch,
      labels: (mr.labels ?? []).map((label) => (typeof label === 'string' ? label : label.name)),
      changedFiles,
      filesListed: diffs.length,
      filesTotal,
      unmeasuredFiles,
      additions,
      deletions,
      mergeable: unknown
        ? undefined
        : !(mr.has_conflicts || status === 'conflict' || status === 'broken_status'),
      upToDate: unknown ? undefined : status !== 'need_rebase',
      checks,
      approvals: approvals.approved_by?.length ?? 0,
      changesRequestedBy: reviewers
        .filter((r) => r.state === 'requested_changes')
        .map((r) => r.user?.username ?? 'unknown'),
    };
  };

  const ref = (mr: MrBody & { source_branch?: string }): RequestRef => ({
    number: mr.iid,
    url: mr.web_url,
    headSha: mr.sha,
    state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
  });

  return {
    kind: 'gitlab',
    project,
    async findByBranch(branch) {
      const mrs = (await api.MergeRequests.all({
        projectId: project,
        sourceBranch: branch,
        orderBy: 'created_at',
        sort: 'desc',
        perPage: 10,
        maxPages: 1,
      } as never)) as unknown as Array<MrBody & { source_branch?: string }>;
      const newest = mrs.find((mr) => mr.source_branch === undefined || mr.source_branch === branch);
      return newest ? ref(newest) : undefined;
    },
    async listIssues(filter) {
      const issues = (await api.Issues.all({
        projectId: project,
        state: 'opened',
        ...(filter.label ? { labels: filter.label } : {}),
        ...(filter.assignee ? { assigneeUsername: filter.assignee } : {}),
      } as never)) as unknown as Array<{
        iid: number;
        title: string;
        description?: string | null;
        web_url: string;
      }>;
      return issues.map((issue) => ({
        number: issue.iid,
        title: issue.title,
        body: issue.description ?? '',
        url: issue.web_url,
      }));
    },
    async openRequest(input) {
      const mr = (await api.MergeRequests.create(project, input.branch, input.base, input.title, {
        description: input.body,
      })) as unknown as MrBody;
      return ref(mr);
    },
    async updateRequest(number, input) {
      const mr = (await api.MergeRequests.edit(project, number, {
        title: input.title,
        description: input.body,
      })) as unknown as MrBody;
      return ref(mr);
    },
    async listOpen(): Promise<PullSummary[]> {
      const mrs = (await api.MergeRequests.all({
        projectId: project,
        state: 'opened',
      })) as unknown as MrBody[];
      return mrs.map((mr) => ({
        number: mr.iid,
        title: mr.title,
        headSha: mr.sha,
        draft: Boolean(mr.draft),
      }));
    },
    snapshot,
    async merge(number, headSha, method): Promise<MergeOutcome> {
      try {
        const mr = (await api.MergeRequests.merge(project, number, {
          sha: headSha,
          ...(method === 'squash' ? { squash: true } : {}),
        })) as unknown as MrBody;
        return { kind: 'merged', sha: mr.merge_commit_sha ?? undefined };
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
