import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A GitHub and GitLab forge on loopback, for tests: the REST endpoints factory review uses, served from
 * memory, with faults to inject. GitHub lives under `${url}/github` (GITHUB_API_URL), GitLab under
 * `${url}/gitlab` (GITLAB_HOST; the API is `/gitlab/api/v4`). Every request is logged; every merge the
 * server performs is counted, so a test can prove that nothing was merged twice.
 */

export interface FakeCheck {
  readonly name: string;
  /** completed checks carry a conclusion; the others are still running. */
  readonly status: 'queued' | 'in_progress' | 'completed';
  readonly conclusion?: 'success' | 'failure' | 'neutral' | 'skipped' | 'cancelled' | 'timed_out';
  /** default: the pull request's head at the time the check was added */
  sha?: string;
}

export interface FakeStatus {
  readonly context: string;
  readonly state: 'success' | 'failure' | 'pending' | 'error';
  sha?: string;
}

export interface FakeFile {
  readonly filename: string;
  readonly additions: number;
  readonly deletions: number;
  /** default `modified` (GitHub's file statuses) */
  readonly status?: 'added' | 'removed' | 'modified' | 'renamed' | 'copied';
  /** the old name of a renamed or copied file */
  readonly previousFilename?: string;
}

/** GitHub lists at most this many files of a pull request; `changed_files` still counts them all. */
export const GITHUB_LISTED_FILES_LIMIT = 3000;
/** GitLab lists at most this many diffs of a merge request and then counts them as "1000+". */
export const GITLAB_LISTED_DIFFS_LIMIT = 1000;

export interface FakePull {
  readonly number: number;
  title: string;
  author: string;
  draft: boolean;
  state: 'open' | 'closed' | 'merged';
  headSha: string;
  baseRef: string;
  labels: string[];
  files: FakeFile[];
  /** null: not computed yet */
  mergeable: boolean | null;
  behind: boolean;
  checks: FakeCheck[];
  statuses: FakeStatus[];
  approvals: string[];
  /** Reviewers asking for changes (their latest review). */
  changesRequested?: string[];
  /** How many times the server performed a merge of this request: must never exceed 1. */
  mergeCount: number;
  mergedSha?: string;
  /** The source branch; requests opened through the API carry the one they were opened from. */
  headRef?: string;
  body?: string;
}

export interface FakeIssue {
  readonly number: number;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
}

export type PullInit = Partial<Omit<FakePull, 'number' | 'mergeCount'>> & { number: number };

export interface ForgeFaults {
  /** The next N merges answer 500; `performed` says whether the server merged anyway before failing. */
  mergeServerError?: { count: number; performed: boolean };
  /** The next N requests whose path matches answer 429 with this Retry-After (seconds). */
  rateLimit?: { count: number; retryAfterSeconds: number; pathIncludes?: string };
  /** The next N requests answer 403 with GitHub's secondary rate limit message and a Retry-After. */
  secondaryLimit?: { count: number; retryAfterSeconds: number };
  /** Just before the merge of this request is handled, a new commit moves its head. */
  moveHeadBeforeMerge?: { number: number; newSha: string };
  /** The next N requests whose path matches get no answer at all (the connection stays open). */
  hang?: { count: number; pathIncludes?: string };
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly at: number;
  readonly status: number;
  /** The Authorization / PRIVATE-TOKEN header the client sent (tests check the token was sent). */
  readonly auth: string | undefined;
  readonly body: unknown;
}

export interface ForgeServer {
  readonly url: string;
  readonly githubApiUrl: string;
  readonly gitlabHost: string;
  readonly requests: LoggedRequest[];
  readonly faults: ForgeFaults;
  /** Makes a repository (GitHub `owner/name`) or project (GitLab path) exist, without requests. */
  project(forge: 'github' | 'gitlab', repo: string): void;
  /** Adds an issue to a repository or project. */
  issue(
    forge: 'github' | 'gitlab',
    repo: string,
    init: Partial<FakeIssue> & { number: number; title: string },
  ): FakeIssue;
  /** Every request of a repository, in number order. */
  pulls(forge: 'github' | 'gitlab', repo: string): FakePull[];
  /** Adds a pull request to a GitHub repository (`owner/name`). */
  github(repo: string, pull: PullInit): FakePull;
  /** Adds a merge request to a GitLab project (`group/name`). */
  gitlab(project: string, pull: PullInit): FakePull;
  pull(forge: 'github' | 'gitlab', repo: string, number: number): FakePull;
  /** Pushes a new head commit to a pull request (its old checks stay on the old SHA). */
  push(forge: 'github' | 'gitlab', repo: string, number: number, sha?: string): string;
  close(): Promise<void>;
}

/** Answers one request of the fake forge. */
type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

export function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

function makePull(init: PullInit, seed: string): FakePull {
  const headSha = init.headSha ?? fakeSha(`${seed}#${init.number}`);
  const pull: FakePull = {
    title: `change ${init.number}`,
    author: 'dependabot[bot]',
    draft: false,
    state: 'open',
    baseRef: 'main',
    labels: [],
    files: [{ filename: 'src/index.ts', additions: 3, deletions: 1 }],
    mergeable: true,
    behind: false,
    // `factory-gates`: the check of factory gate ci, which the merge policy requires by default.
    checks: [
      { name: 'ci', status: 'completed', conclusion: 'success' },
      { name: 'factory-gates', status: 'completed', conclusion: 'success' },
    ],
    statuses: [],
    approvals: [],
    ...init,
    headSha,
    mergeCount: 0,
  };
  for (const check of pull.checks) check.sha ??= headSha;
  for (const status of pull.statuses) status.sha ??= headSha;
  return pull;
}

/** What a repository's CI reports on a head that passed: its own check and factory's gates. */
function passingChecks(): FakeCheck[] {
  return [
    { name: 'ci', status: 'completed', conclusion: 'success' },
    { name: 'factory-gates', status: 'completed', conclusion: 'success' },
  ];
}

const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

export interface ForgeServerOptions {
  /**
   * The commit a branch points at in the repository's git remote, for requests opened through the API
   * (tests point it at their bare repositories); undefined: the branch does not exist (422 / 409).
   */
  readonly branchHead?: (forge: 'github' | 'gitlab', repo: string, branch: string) => string | undefined;
  /**
   * The checks a request opened through the API starts with, and gains on every new head (default: a
   * successful `ci` and `factory-gates`, as a repository with `factory ci init` reports them).
   */
  readonly checksOnOpen?: () => FakeCheck[];
}

export async function startForgeServer(options: ForgeServerOptions = {}): Promise<ForgeServer> {
  const github = new Map<string, Map<number, FakePull>>();
  const gitlab = new Map<string, Map<number, FakePull>>();
  const requests: LoggedRequest[] = [];
  const faults: ForgeFaults = {};
  const issues = new Map<string, FakeIssue[]>();
  const issuesOf = (forge: 'github' | 'gitlab', repo: string) => issues.get(`${forge}:${repo}`) ?? [];

  const find = (forge: 'github' | 'gitlab', repo: string, number: number): FakePull | undefined =>
    (forge === 'github' ? github : gitlab).get(repo)?.get(number);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const url = new URL(req.url ?? '/', 'http://forge.local');
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        requests.push({
          method: req.method ?? 'GET',
          path: url.pathname + url.search,
          at: Date.now(),
          status,
          auth: header(req, 'authorization') ?? header(req, 'private-token'),
          body,
        });
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      try {
        route(req.method ?? 'GET', url, body, send);
      } catch (error) {
        send(500, { message: String(error) });
      }
    });
  });

  function route(method: string, url: URL, body: unknown, send: Send) {
    const path = url.pathname;
    if (faults.hang && faults.hang.count > 0 && path.includes(faults.hang.pathIncludes ?? '')) {
      faults.hang.count--;
      requests.push({ method, path: path + url.search, at: Date.now(), status: 0, auth: undefined, body });
      return; // never answered: closeAllConnections() at close() ends it
    }
    if (
      faults.rateLimit &&
      faults.rateLimit.count > 0 &&
      path.includes(faults.rateLimit.pathIncludes ?? '')
    ) {
      faults.rateLimit.count--;
      const seconds = String(faults.rateLimit.retryAfterSeconds);
      send(429, { message: 'API rate limit exceeded' }, { 'retry-after': seconds });
      return;
    }
    if (faults.secondaryLimit && faults.secondaryLimit.count > 0 && path.startsWith('/github/')) {
      faults.secondaryLimit.count--;
      send(
        403,
        { message: SECONDARY },
        { 'retry-after': String(faults.secondaryLimit.retryAfterSeconds), 'x-ratelimit-remaining': '4000' },
      );
      return;
    }
    let m = /^\/github\/repos\/([^/]+\/[^/]+)\/(.*)$/.exec(path);
    if (m) return routeGithub(method, m[1]!, m[2]!, url, body, send);
    m = /^\/gitlab\/api\/v4\/projects\/([^/]+)\/(.*)$/.exec(path);
    if (m) return routeGitlab(method, decodeURIComponent(m[1]!), m[2]!, url, body, send);
    send(404, { message: 'Not Found' });
  }

  function routeGithub(method: string, repo: string, rest: string, url: URL, body: unknown, send: Send) {
    const pulls = github.get(repo);
    if (!pulls) return send(404, { message: 'Not Found' });
    if (method === 'GET' && rest === 'pulls') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      for (const p of pulls.values()) syncHead('github', repo, p);
      const list = [...pulls.values()].filter(
        (p) =>
          (state === 'all' || (state === 'open') === (p.state === 'open')) &&
          (head === null || `${repo.split('/')[0]}:${p.headRef ?? `feature-${p.number}`}` === head),
      );
      if (url.searchParams.get('direction') === 'desc') list.reverse();
      return send(200, list.map(githubPull(repo)));
    }
    if (method === 'GET' && rest === 'issues') {
      const list = openIssues(
        'github',
        repo,
        url.searchParams.get('labels'),
        url.searchParams.get('assignee'),
      );
      return send(
        200,
        list.map((i) => ({
          number: i.number,
          title: i.title,
          body: i.body,
          html_url: `https://github.invalid/${repo}/issues/${i.number}`,
          labels: i.labels.map((name) => ({ name })),
          assignees: i.assignees.map((login) => ({ login })),
          state: i.state,
        })),
      );
    }
    if (method === 'POST' && rest === 'pulls') {
      const input = (body ?? {}) as { head?: string; base?: string; title?: string; body?: string };
      const branch = String(input.head ?? '').replace(/^[^:]*:/, '');
      const head = newRequestHead('github', repo, branch);
      if ('refused' in head && head.refused === 'no-head')
        return send(422, { message: 'Validation Failed: head does not exist' });
      if ('refused' in head) {
        return send(422, { message: `Validation Failed: A pull request already exists for ${branch}.` });
      }
      const pull = openPull('github', repo, branch, head.sha, input);
      return send(201, githubPull(repo)(pull));
    }
    let m = /^pulls\/(\d+)(\/.*)?$/.exec(rest);
    if (m) {
      const pull = pulls.get(Number(m[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      syncHead('github', repo, pull);
      const sub = m[2] ?? '';
      if (method === 'GET' && sub === '') return send(200, githubPull(repo)(pull));
      if (method === 'PATCH' && sub === '') {
        const input = (body ?? {}) as { title?: string; body?: string };
        if (input.title !== undefined) pull.title = input.title;
        if (input.body !== undefined) pull.body = input.body;
        return send(200, githubPull(repo)(pull));
      }
      if (method === 'GET' && sub === '/files') {
        // Paginated like GitHub (Link header), and never more than 3000 files in all.
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const page = Number(url.searchParams.get('page') ?? 1);
        const listed = pull.files.slice(0, GITHUB_LISTED_FILES_LIMIT);
        const pageFiles = listed.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < listed.length) {
          const next = new URL(url.href);
          next.searchParams.set('page', String(page + 1));
          next.searchParams.set('per_page', String(perPage));
          headers.link = `<${base}${next.pathname}${next.search}>; rel="next"`;
        }
        return send(
          200,
          pageFiles.map((f) => ({
            filename: f.filename,
            additions: f.additions,
            deletions: f.deletions,
            changes: f.additions + f.deletions,
            status: f.status ?? 'modified',
            ...(f.previousFilename ? { previous_filename: f.previousFilename } : {}),
          })),
          headers,
        );
      }
      if (method === 'GET' && sub === '/reviews') {
        return send(
          200,
          [
            ...pull.approvals.map((user) => ({ user, state: 'APPROVED' })),
            ...(pull.changesRequested ?? []).map((user) => ({ user, state: 'CHANGES_REQUESTED' })),
          ].map((review, i) => ({
            id: i + 1,
            user: { login: review.user },
            state: review.state,
            commit_id: pull.headSha,
          })),
        );
      }
      if (method === 'PUT' && sub === '/merge') return mergeGithub(pull, body as { sha?: string }, send);
    }
    m = /^issues\/(\d+)\/labels$/.exec(rest);
    if (m && method === 'GET') {
      const pull = pulls.get(Number(m[1]));
      if (!pull) return send(404, { message: 'Not Found' });
      return send(
        200,
        pull.labels.map((name, i) => ({ id: i + 1, name })),
      );
    }
    m = /^commits\/([0-9a-f]+)\/(check-runs|statuses)$/.exec(rest);
    if (m && method === 'GET') {
      const sha = m[1]!;
      const all = [...pulls.values()];
      if (m[2] === 'check-runs') {
        const runs = all.flatMap((p) => p.checks).filter((c) => c.sha === sha);
        return send(200, {
          total_count: runs.length,
          check_runs: runs.map((c, i) => ({
            id: i + 1,
            name: c.name,
            head_sha: c.sha,
            status: c.status,
            conclusion: c.status === 'completed' ? (c.conclusion ?? 'success') : null,
          })),
        });
      }
      const statuses = all.flatMap((p) => p.statuses).filter((s) => s.sha === sha);
      // GitHub lists statuses newest first.
      return send(
        200,
        [...statuses].reverse().map((s, i) => ({ id: i + 1, context: s.context, state: s.state })),
      );
    }
    send(404, { message: 'Not Found' });
  }

  function mergeGithub(pull: FakePull, body: { sha?: string }, send: Send) {
    if (faults.moveHeadBeforeMerge?.number === pull.number) {
      pull.headSha = faults.moveHeadBeforeMerge.newSha;
      faults.moveHeadBeforeMerge = undefined;
    }
    if (pull.state === 'merged') return send(405, { message: 'Pull Request is not mergeable' });
    if (body?.sha && body.sha !== pull.headSha) {
      return send(409, { message: 'Head branch was modified. Review and try the merge again.' });
    }
    if (pull.state !== 'open' || pull.mergeable === false)
      return send(405, { message: 'Pull Request is not mergeable' });
    if (faults.mergeServerError && faults.mergeServerError.count > 0) {
      faults.mergeServerError.count--;
      if (faults.mergeServerError.performed) performMerge(pull);
      return send(500, { message: 'Server Error' });
    }
    performMerge(pull);
    send(200, { sha: pull.mergedSha, merged: true, message: 'Pull Request successfully merged' });
  }

  function performMerge(pull: FakePull): void {
    pull.mergeCount++;
    pull.state = 'merged';
    pull.mergedSha = fakeSha(`merge:${pull.headSha}`);
  }

  function routeGitlab(method: string, project: string, rest: string, url: URL, body: unknown, send: Send) {
    const pulls = gitlab.get(project);
    if (!pulls) return send(404, { message: '404 Project Not Found' });
    if (method === 'GET' && rest === 'merge_requests') {
      const state = url.searchParams.get('state') ?? 'all';
      const source = url.searchParams.get('source_branch');
      const wanted = (p: FakePull) =>
        (state === 'all' || gitlabState(p) === state) &&
        (source === null || (p.headRef ?? `feature-${p.number}`) === source);
      const list = [...pulls.values()].filter(wanted);
      if (url.searchParams.get('sort') === 'desc') list.reverse();
      return send(200, list.map(gitlabMr(project)));
    }
    if (method === 'GET' && rest === 'issues') {
      const list = openIssues(
        'gitlab',
        project,
        url.searchParams.get('labels'),
        url.searchParams.get('assignee_username'),
      );
      return send(
        200,
        list.map((i) => ({
          iid: i.number,
          title: i.title,
          description: i.body,
          web_url: `https://gitlab.invalid/${project}/-/issues/${i.number}`,
          labels: i.labels,
          state: 'opened',
        })),
      );
    }
    if (method === 'POST' && rest === 'merge_requests') {
      const input = (body ?? {}) as {
        source_branch?: string;
        target_branch?: string;
        title?: string;
        description?: string;
      };
      const branch = String(input.source_branch ?? '');
      const head = newRequestHead('gitlab', project, branch);
      if ('refused' in head && head.refused === 'no-head')
        return send(400, { message: 'Invalid source branch' });
      if ('refused' in head) {
        return send(409, { message: ['Another open merge request already exists for this source branch'] });
      }
      const pull = openPull('gitlab', project, branch, head.sha, {
        base: input.target_branch,
        title: input.title,
        body: input.description,
      });
      return send(201, gitlabMr(project)(pull));
    }
    let m = /^merge_requests\/(\d+)(\/.*)?$/.exec(rest);
    if (m) {
      const pull = pulls.get(Number(m[1]));
      if (!pull) return send(404, { message: '404 Not found' });
      syncHead('gitlab', project, pull);
      const sub = m[2] ?? '';
      if (method === 'GET' && sub === '') return send(200, gitlabMr(project)(pull));
      if (method === 'PUT' && sub === '') {
        const input = (body ?? {}) as { title?: string; description?: string };
        if (input.title !== undefined) pull.title = input.title;
        if (input.description !== undefined) pull.body = input.description;
        return send(200, gitlabMr(project)(pull));
      }
      if (method === 'GET' && sub === '/diffs') {
        return send(
          200,
          pull.files.slice(0, GITLAB_LISTED_DIFFS_LIMIT).map((f) => ({
            old_path: f.previousFilename ?? f.filename,
            new_path: f.filename,
            new_file: f.status === 'added',
            deleted_file: f.status === 'removed',
            renamed_file: f.status === 'renamed',
            diff:
              f.additions + f.deletions === 0
                ? ''
                : `@@ -1 +1 @@\n${'-old\n'.repeat(f.deletions)}${'+new\n'.repeat(f.additions)}`,
          })),
        );
      }
      if (method === 'GET' && sub === '/pipelines') {
        return send(
          200,
          gitlabPipelines(pull).map(({ id, sha, status }) => ({ id, sha, status, ref: 'feature' })),
        );
      }
      if (method === 'GET' && sub === '/approvals') {
        return send(200, {
          approved: pull.approvals.length > 0,
          approved_by: pull.approvals.map((username) => ({ user: { username } })),
        });
      }
      if (method === 'GET' && sub === '/reviewers') {
        const asking = pull.changesRequested ?? [];
        return send(
          200,
          [
            ...asking.map((username) => ({ username, state: 'requested_changes' })),
            ...pull.approvals
              .filter((username) => !asking.includes(username))
              .map((username) => ({ username, state: 'approved' })),
          ].map((r, i) => ({
            user: { id: i + 1, username: r.username, name: r.username, state: 'active' },
            state: r.state,
            created_at: '2026-01-01T00:00:00.000Z',
          })),
        );
      }
      if (method === 'PUT' && sub === '/merge') return mergeGitlab(pull, body as { sha?: string }, send);
    }
    m = /^pipelines\/(\d+)\/jobs$/.exec(rest);
    if (m && method === 'GET') {
      for (const pull of pulls.values()) {
        const pipeline = gitlabPipelines(pull).find((p) => p.id === Number(m![1]));
        if (pipeline) return send(200, pipeline.jobs);
      }
      return send(404, { message: '404 Not found' });
    }
    send(404, { message: '404 Not found' });
  }

  function mergeGitlab(pull: FakePull, body: { sha?: string }, send: Send) {
    if (faults.moveHeadBeforeMerge?.number === pull.number) {
      pull.headSha = faults.moveHeadBeforeMerge.newSha;
      faults.moveHeadBeforeMerge = undefined;
    }
    if (pull.state !== 'open') return send(405, { message: '405 Method Not Allowed' });
    if (body?.sha && body.sha !== pull.headSha)
      return send(409, { message: 'SHA does not match HEAD of source branch' });
    if (pull.mergeable === false) return send(422, { message: 'Branch cannot be merged' });
    if (faults.mergeServerError && faults.mergeServerError.count > 0) {
      faults.mergeServerError.count--;
      if (faults.mergeServerError.performed) performMerge(pull);
      return send(500, { message: '500 Internal Server Error' });
    }
    performMerge(pull);
    send(200, gitlabMr('')(pull));
  }

  /** One pipeline per head SHA that has checks; its jobs are the checks. */
  function gitlabPipelines(pull: FakePull) {
    const shas = [...new Set(pull.checks.map((c) => c.sha!))];
    return shas.map((sha, index) => {
      const jobs = pull.checks
        .filter((c) => c.sha === sha)
        .map((c, i) => ({ id: pull.number * 1000 + index * 100 + i, name: c.name, status: jobStatus(c) }));
      const status = jobs.some((j) => j.status === 'failed')
        ? 'failed'
        : jobs.some((j) => j.status === 'running' || j.status === 'pending')
          ? 'running'
          : 'success';
      return { id: pull.number * 100 + index, sha, status, jobs };
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  /** An open request opened through the API follows its branch in the git remote, as a forge's does. */
  function syncHead(forge: 'github' | 'gitlab', repo: string, pull: FakePull): void {
    if (pull.state !== 'open' || !pull.headRef || !options.branchHead) return;
    const sha = options.branchHead(forge, repo, pull.headRef);
    if (sha && sha !== pull.headSha) {
      pull.headSha = sha;
      const checks = options.checksOnOpen ? options.checksOnOpen() : passingChecks();
      for (const check of checks) pull.checks.push({ ...check, sha });
    }
  }

  /** Open issues of a repository, by label and assignee when asked (both forges filter the same way). */
  function openIssues(
    forge: 'github' | 'gitlab',
    repo: string,
    label: string | null,
    assignee: string | null,
  ) {
    return issuesOf(forge, repo).filter(
      (i) =>
        i.state === 'open' &&
        (label === null || i.labels.includes(label)) &&
        (assignee === null || i.assignees.includes(assignee)),
    );
  }

  /** The head a new request from `branch` gets, or why none may be opened (no such branch, one is open). */
  function newRequestHead(
    forge: 'github' | 'gitlab',
    repo: string,
    branch: string,
  ): { sha: string } | { refused: 'no-head' | 'exists' } {
    const sha = options.branchHead ? options.branchHead(forge, repo, branch) : fakeSha(branch);
    if (!sha) return { refused: 'no-head' };
    const pulls = (forge === 'github' ? github : gitlab).get(repo)!;
    if ([...pulls.values()].some((p) => p.state === 'open' && p.headRef === branch))
      return { refused: 'exists' };
    return { sha };
  }

  function openPull(
    forge: 'github' | 'gitlab',
    repo: string,
    branch: string,
    sha: string,
    input: { base?: string | undefined; title?: string | undefined; body?: string | undefined },
  ): FakePull {
    const map = (forge === 'github' ? github : gitlab).get(repo)!;
    const number = Math.max(0, ...map.keys()) + 1;
    const checks = options.checksOnOpen ? options.checksOnOpen() : passingChecks();
    return add(forge, repo, {
      number,
      title: input.title ?? branch,
      author: 'factory[bot]',
      headSha: sha,
      headRef: branch,
      baseRef: input.base ?? 'main',
      body: input.body ?? '',
      files: [{ filename: 'README.md', additions: 1, deletions: 0 }],
      checks,
    });
  }

  const add = (forge: 'github' | 'gitlab', repo: string, init: PullInit) => {
    const map = forge === 'github' ? github : gitlab;
    if (!map.has(repo)) map.set(repo, new Map());
    const pull = makePull(init, `${forge}:${repo}`);
    map.get(repo)!.set(pull.number, pull);
    return pull;
  };

  return {
    url: base,
    githubApiUrl: `${base}/github`,
    gitlabHost: `${base}/gitlab`,
    requests,
    faults,
    project: (forge, repo) => {
      const map = forge === 'github' ? github : gitlab;
      if (!map.has(repo)) map.set(repo, new Map());
    },
    issue: (forge, repo, init) => {
      const issue: FakeIssue = { body: '', labels: [], assignees: [], state: 'open', ...init };
      issues.set(`${forge}:${repo}`, [...issuesOf(forge, repo), issue]);
      return issue;
    },
    pulls: (forge, repo) =>
      [...((forge === 'github' ? github : gitlab).get(repo)?.values() ?? [])].sort(
        (a, b) => a.number - b.number,
      ),
    github: (repo, init) => add('github', repo, init),
    gitlab: (project, init) => add('gitlab', project, init),
    pull: (forge, repo, number) => {
      const pull = find(forge, repo, number);
      if (!pull) throw new Error(`no pull ${forge} ${repo}#${number}`);
      return pull;
    },
    push: (forge, repo, number, sha) => {
      const pull = find(forge, repo, number);
      if (!pull) throw new Error(`no pull ${forge} ${repo}#${number}`);
      pull.headSha = sha ?? fakeSha(`${pull.headSha}+1`);
      return pull.headSha;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function githubPull(repo: string) {
  return (pull: FakePull) => ({
    number: pull.number,
    title: pull.title,
    html_url: `https://github.invalid/${repo}/pull/${pull.number}`,
    user: { login: pull.author },
    state: pull.state === 'open' ? 'open' : 'closed',
    merged: pull.state === 'merged',
    draft: pull.draft,
    head: { sha: pull.headSha, ref: pull.headRef ?? `feature-${pull.number}` },
    body: pull.body ?? '',
    base: { ref: pull.baseRef },
    labels: pull.labels.map((name, i) => ({ id: i + 1, name })),
    additions: pull.files.reduce((n, f) => n + f.additions, 0),
    deletions: pull.files.reduce((n, f) => n + f.deletions, 0),
    changed_files: pull.files.length,
    mergeable: pull.mergeable,
    mergeable_state:
      pull.mergeable === null
        ? 'unknown'
        : pull.mergeable === false
          ? 'dirty'
          : pull.behind
            ? 'behind'
            : 'clean',
  });
}

function gitlabState(pull: FakePull): string {
  return pull.state === 'open' ? 'opened' : pull.state;
}

function gitlabMr(project: string) {
  return (pull: FakePull) => ({
    iid: pull.number,
    title: pull.title,
    web_url: `https://gitlab.invalid/${project}/-/merge_requests/${pull.number}`,
    author: { username: pull.author },
    state: gitlabState(pull),
    draft: pull.draft,
    sha: pull.headSha,
    source_branch: pull.headRef ?? `feature-${pull.number}`,
    description: pull.body ?? '',
    target_branch: pull.baseRef,
    labels: pull.labels,
    has_conflicts: pull.mergeable === false,
    detailed_merge_status:
      pull.mergeable === null
        ? 'checking'
        : pull.mergeable === false
          ? 'conflict'
          : pull.behind
            ? 'need_rebase'
            : 'mergeable',
    merge_commit_sha: pull.mergedSha ?? null,
    changes_count:
      pull.files.length > GITLAB_LISTED_DIFFS_LIMIT
        ? `${GITLAB_LISTED_DIFFS_LIMIT}+`
        : String(pull.files.length),
  });
}

function jobStatus(check: FakeCheck): string {
  if (check.status === 'queued') return 'pending';
  if (check.status === 'in_progress') return 'running';
  switch (check.conclusion ?? 'success') {
    case 'success':
      return 'success';
    case 'skipped':
    case 'neutral':
      return 'skipped';
    case 'cancelled':
      return 'canceled';
    default:
      return 'failed';
  }
}
