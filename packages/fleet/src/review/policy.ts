import picomatch from 'picomatch';
import { messages } from '../messages.js';
import type {
  CheckResult,
  PolicyDecision,
  PolicyReason,
  PullSnapshot,
  ReviewPolicy,
  Verdict,
} from './types.js';

/**
 * Paths whose changes always wait for a human, whatever the config says: the gates (git hooks and their
 * configs), the guard (Claude Code settings), the skills, factory's own config, and the CI that produces
 * the checks this policy trusts. Config can add patterns (`review.protectedPaths`), never remove these.
 */
export const BUILTIN_PROTECTED_PATHS: readonly string[] = [
  '.husky/**',
  '.githooks/**',
  'lefthook.yml',
  'lefthook.yaml',
  '.lefthook.yml',
  '.pre-commit-config.yaml',
  '.lintstagedrc*',
  'lint-staged.config.*',
  '.claude/**',
  '.factory/**',
  '.factoryrc*',
  'factory.config.*',
  'factory.json',
  'factory.yaml',
  'factory.yml',
  '.github/workflows/**',
  '.gitlab-ci.yml',
  '.gitlab-ci/**',
];

export const DEFAULT_REVIEW_POLICY: ReviewPolicy = {
  requiredChecks: 'all',
  blockingLabels: ['do-not-merge', 'wip', 'blocked'],
  authors: [],
  maxChangedLines: 400,
  protectedPaths: [],
  requiredApprovals: 0,
  requireUpToDate: true,
  mergeMethod: 'merge',
};

/** The config section over the defaults; a section that the schema validated. */
export function resolveReviewPolicy(section: Partial<ReviewPolicy> | undefined): ReviewPolicy {
  return { ...DEFAULT_REVIEW_POLICY, ...(section ?? {}) };
}

const PASSING: ReadonlySet<CheckResult['state']> = new Set(['success', 'neutral', 'skipped']);

/** Verdicts by severity: the decision is the most severe verdict of any rule that did not pass. */
const SEVERITY: Record<Verdict, number> = { merge: 0, wait: 1, human: 2, blocked: 3 };

/**
 * The merge policy: a pure function of one snapshot. Every rule is evaluated and reported, passed or
 * not, so that the decision can be read and recorded with all its reasons. Fails closed: anything
 * unknown (mergeability not computed, a required check not reported) is never a merge.
 */
export function evaluatePolicy(pull: PullSnapshot, policy: ReviewPolicy): PolicyDecision {
  const reasons: PolicyReason[] = [];
  const rule = (name: string, ok: boolean, verdict: Exclude<Verdict, 'merge'>, message: string) =>
    reasons.push({ rule: name, ok, verdict: ok ? undefined : verdict, message });
  const m = messages.review;

  rule('open', pull.state === 'open', 'blocked', pull.state === 'open' ? m.open : m.notOpen(pull.state));
  rule('draft', !pull.draft, 'blocked', pull.draft ? m.draft : m.notDraft);

  const blocking = pull.labels.filter((label) =>
    policy.blockingLabels.some((b) => b.toLowerCase() === label.toLowerCase()),
  );
  rule('labels', blocking.length === 0, 'blocked', blocking.length ? m.blockingLabels(blocking) : m.noLabels);

  // Only checks on the exact head SHA count: a green run on an older commit says nothing about this one.
  const onHead = latestByName(pull.checks.filter((check) => check.sha === pull.headSha));
  rule(
    'checks-exist',
    onHead.length > 0,
    'blocked',
    onHead.length ? m.checksExist(onHead.length) : m.noChecks,
  );

  if (policy.requiredChecks !== 'all') {
    const missing: string[] = [];
    const notGreen: string[] = [];
    for (const name of policy.requiredChecks) {
      const check = onHead.find((c) => c.name === name);
      if (!check) missing.push(name);
      else if (!PASSING.has(check.state)) notGreen.push(`${name} (${check.state})`);
    }
    const ok = missing.length === 0 && notGreen.length === 0;
    rule(
      'required-checks',
      ok,
      notGreen.some((n) => n.endsWith('(failure)')) ? 'blocked' : 'wait',
      ok ? m.requiredGreen(policy.requiredChecks) : m.requiredNotGreen(missing, notGreen),
    );
  }
  const failing = onHead.filter((c) => c.state === 'failure').map((c) => c.name);
  rule(
    'no-failing-checks',
    failing.length === 0,
    'blocked',
    failing.length ? m.failing(failing) : m.noFailing,
  );
  const pending = onHead.filter((c) => c.state === 'pending').map((c) => c.name);
  rule('no-pending-checks', pending.length === 0, 'wait', pending.length ? m.pending(pending) : m.noPending);

  const authorOk = policy.authors.includes('*') || policy.authors.includes(pull.author);
  rule(
    'author',
    authorOk,
    'human',
    authorOk ? m.authorAllowed(pull.author) : m.authorNotAllowed(pull.author),
  );

  // A rename with no edit counts 0 lines, yet moves a whole file: what the size rule cannot measure waits.
  const changed = pull.additions + pull.deletions;
  const sizeOk = changed <= policy.maxChangedLines && pull.unmeasuredFiles.length === 0;
  rule(
    'size',
    sizeOk,
    'human',
    changed > policy.maxChangedLines || pull.unmeasuredFiles.length === 0
      ? m.size(changed, policy.maxChangedLines, sizeOk)
      : m.sizeUnmeasured(pull.unmeasuredFiles),
  );

  // The protected-path rule can only judge the files it was shown (GitHub lists at most 3000).
  const complete = pull.filesTotal !== undefined && pull.filesListed >= pull.filesTotal;
  rule(
    'files-listed',
    complete,
    'human',
    complete ? m.filesComplete(pull.filesListed) : m.filesIncomplete(pull.filesListed, pull.filesTotal),
  );

  const protectedFiles = matchProtected(pull.changedFiles, policy.protectedPaths);
  rule(
    'protected-paths',
    protectedFiles.length === 0,
    'human',
    protectedFiles.length ? m.protectedTouched(protectedFiles) : m.protectedUntouched,
  );

  const approvalsOk = pull.approvals >= policy.requiredApprovals;
  rule('approvals', approvalsOk, 'human', m.approvals(pull.approvals, policy.requiredApprovals, approvalsOk));

  if (pull.mergeable === undefined) rule('mergeable', false, 'wait', m.mergeableUnknown);
  else rule('mergeable', pull.mergeable, 'blocked', pull.mergeable ? m.mergeable : m.conflicts);

  if (policy.requireUpToDate) {
    if (pull.upToDate === undefined) rule('up-to-date', false, 'wait', m.upToDateUnknown(pull.baseRef));
    else rule('up-to-date', pull.upToDate, 'blocked', pull.upToDate ? m.upToDate : m.behind(pull.baseRef));
  }

  let verdict: Verdict = 'merge';
  for (const reason of reasons) {
    if (reason.verdict && SEVERITY[reason.verdict] > SEVERITY[verdict]) verdict = reason.verdict;
  }
  return { verdict, headSha: pull.headSha, reasons };
}

/** The changed files that a human must look at: the built-in protected list plus the configured one. */
export function matchProtected(files: readonly string[], extra: readonly string[]): string[] {
  // Case-insensitive: on macOS and Windows checkouts `.HUSKY/pre-commit` is the hooks folder.
  const isProtected = picomatch([...BUILTIN_PROTECTED_PATHS, ...extra], { dot: true, nocase: true });
  return files.filter((file) => isProtected(file));
}

/** Re-runs report the same name again: the last one reported is the one that counts. */
function latestByName(checks: readonly CheckResult[]): CheckResult[] {
  const byName = new Map<string, CheckResult>();
  for (const check of checks) byName.set(`${check.source}:${check.name}`, check);
  return [...byName.values()];
}
