import type { PullSnapshot } from '../../src/review/types.js';

/**
 * An open pull request that the merge policy lets through (small, mergeable, up to date, its checks green
 * on its head): each test changes only what it is about.
 */
export function greenPull(overrides: Partial<PullSnapshot> = {}): PullSnapshot {
  const headSha = overrides.headSha ?? 'c'.repeat(40);
  return {
    forge: 'github',
    repo: 'acme/app',
    number: 3,
    title: 'add it',
    url: 'http://forge/acme/app/pull/3',
    author: 'bot',
    state: 'open',
    draft: false,
    headSha,
    baseRef: 'main',
    labels: [],
    changedFiles: ['a.ts'],
    filesListed: 1,
    filesTotal: 1,
    unmeasuredFiles: [],
    additions: 1,
    deletions: 0,
    mergeable: true,
    upToDate: true,
    checks: [
      { name: 'ci', state: 'success', sha: headSha, source: 'check-run' },
      { name: 'factory-gates', state: 'success', sha: headSha, source: 'check-run' },
    ],
    approvals: 0,
    ...overrides,
  };
}
