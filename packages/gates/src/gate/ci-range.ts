import { readFileSync } from 'node:fs';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';

/**
 * The commits a CI run must judge: everything reachable from `head` and not from `base`. `base` is
 * undefined when there is nothing to compare with (a branch pushed for the first time with no default
 * branch in the clone): then every commit of `head` is judged.
 */
export interface CiRange {
  readonly base: string | undefined;
  readonly head: string;
  /** Where the range came from, for the report: `github pull_request #12`, `gitlab merge request !4`, `--range`. */
  readonly source: string;
  /** A branch to fetch when `base` is not in the clone (a shallow or single-branch checkout). */
  readonly fetchHint?: string;
  /** Compare a new branch with this remote branch when `base` is unknown. */
  readonly defaultBranch?: string;
}

const ZERO = /^0+$/;
const SHA = /^[0-9a-f]{7,64}$/i;

/** `A..B` (or `A...B`, judged the same way: the commits of B that A lacks). */
export function parseRangeArgument(range: string): CiRange {
  const match = /^([^.\s][^\s]*?)\.\.\.?([^.\s][^\s]*)$/.exec(range.trim());
  if (!match) throw new FactoryError(messages.ciBadRange(range), ExitCode.usage);
  return { base: match[1]!, head: match[2]!, source: `--range ${range.trim()}` };
}

interface GithubPayload {
  pull_request?: { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string } };
  merge_group?: { base_sha?: string; head_sha?: string; base_ref?: string };
  before?: string;
  after?: string;
  repository?: { default_branch?: string };
}

function readGithubPayload(path: string | undefined): GithubPayload {
  if (!path) throw new FactoryError(messages.ciGithubNoEvent, ExitCode.usage);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FactoryError(
      messages.ciGithubEventUnreadable(path, (error as NodeJS.ErrnoException).code ?? String(error)),
      ExitCode.usage,
    );
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
    return parsed as GithubPayload;
  } catch {
    throw new FactoryError(messages.ciGithubEventUnreadable(path, 'not a JSON object'), ExitCode.usage);
  }
}

function sha(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SHA.test(value)) {
    throw new FactoryError(messages.ciMissingSha(what), ExitCode.usage);
  }
  return value;
}

/** GitHub Actions: the event payload at GITHUB_EVENT_PATH, by GITHUB_EVENT_NAME. */
function githubRange(env: NodeJS.ProcessEnv): CiRange {
  const event = env.GITHUB_EVENT_NAME ?? '';
  const payload = readGithubPayload(env.GITHUB_EVENT_PATH);
  if (event === 'pull_request' || event === 'pull_request_target') {
    const pull = payload.pull_request;
    return {
      base: sha(pull?.base?.sha, 'pull_request.base.sha'),
      head: sha(pull?.head?.sha, 'pull_request.head.sha'),
      source: `github ${event} #${pull?.number ?? '?'}`,
      ...(pull?.base?.ref ? { fetchHint: pull.base.ref } : {}),
    };
  }
  if (event === 'merge_group') {
    const group = payload.merge_group;
    return {
      base: sha(group?.base_sha, 'merge_group.base_sha'),
      head: sha(group?.head_sha, 'merge_group.head_sha'),
      source: 'github merge_group',
      ...(group?.base_ref ? { fetchHint: group.base_ref.replace(/^refs\/heads\//, '') } : {}),
    };
  }
  if (event === 'push') {
    const head = sha(payload.after, 'after');
    const before = payload.before;
    const defaultBranch = payload.repository?.default_branch;
    return {
      base: typeof before === 'string' && !ZERO.test(before) ? sha(before, 'before') : undefined,
      head,
      source: 'github push',
      ...(defaultBranch ? { defaultBranch, fetchHint: defaultBranch } : {}),
    };
  }
  throw new FactoryError(messages.ciUnsupportedEvent('GitHub', event || '(none)'), ExitCode.usage);
}

/** GitLab CI: the CI_MERGE_REQUEST_* variables in a merge request pipeline, CI_COMMIT_* otherwise. */
function gitlabRange(env: NodeJS.ProcessEnv): CiRange {
  if (env.CI_MERGE_REQUEST_IID) {
    // DIFF_BASE_SHA is the merge base GitLab shows the diff against; TARGET_BRANCH_SHA exists only in
    // merged-results pipelines. The source branch's SHA is the request's head even when CI_COMMIT_SHA is
    // the merge commit GitLab made for a merged-results pipeline.
    const base = env.CI_MERGE_REQUEST_DIFF_BASE_SHA || env.CI_MERGE_REQUEST_TARGET_BRANCH_SHA;
    const head = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA;
    return {
      base: sha(base, 'CI_MERGE_REQUEST_DIFF_BASE_SHA'),
      head: sha(head, 'CI_COMMIT_SHA'),
      source: `gitlab merge request !${env.CI_MERGE_REQUEST_IID}`,
      ...(env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME
        ? { fetchHint: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME }
        : {}),
    };
  }
  const head = sha(env.CI_COMMIT_SHA, 'CI_COMMIT_SHA');
  const before = env.CI_COMMIT_BEFORE_SHA;
  const defaultBranch = env.CI_DEFAULT_BRANCH;
  return {
    base: before && !ZERO.test(before) ? sha(before, 'CI_COMMIT_BEFORE_SHA') : undefined,
    head,
    source: `gitlab ${env.CI_PIPELINE_SOURCE ?? 'pipeline'}`,
    ...(defaultBranch ? { defaultBranch, fetchHint: defaultBranch } : {}),
  };
}

/**
 * The range to judge: `--range A..B` when given, else the CI's own environment (GitHub Actions'
 * event payload, GitLab's predefined variables). Outside a known CI and without --range: a usage error.
 */
export function resolveCiRange(env: NodeJS.ProcessEnv, rangeArgument?: string): CiRange {
  if (rangeArgument !== undefined && rangeArgument !== '') return parseRangeArgument(rangeArgument);
  if (env.GITHUB_ACTIONS === 'true') return githubRange(env);
  if (env.GITLAB_CI === 'true') return gitlabRange(env);
  throw new FactoryError(messages.ciNoRange, ExitCode.usage);
}
