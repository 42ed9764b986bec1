/**
 * Every user-facing message of packages/fleet, in one place.
 * Each is one sentence: what is wrong, then how to fix it.
 */
export const messages = {
  // manifest and forges
  manifestSyntax: (file: string, line: number, what: string) =>
    `${file} line ${line}: ${what}; fix the YAML there.`,
  manifestInvalid: (file: string, line: number, what: string) =>
    `${file} line ${line}: ${what}; fix the manifest there (see docs/sweep.md).`,
  manifestAliasBomb: (file: string, max: number) =>
    `${file} expands its YAML aliases more than ${max} times (a document built to exhaust memory); write the repositories out instead of nesting aliases.`,
  manifestEmpty: (file: string) => `${file} lists no repositories; add one with factory repos add PATH.`,
  manifestMissing: (file: string) =>
    `the manifest ${file} does not exist; pass an existing file with --manifest FILE, or create it with factory repos add PATH.`,
  forgeTokenMissing: (forge: string, variables: string) =>
    `no ${forge} token: set ${variables} to read pull/merge requests.`,
  forgeRateLimited: (forge: string, seconds: number) =>
    `${forge} rate limit: the forge asks to wait ${seconds} s, longer than FACTORY_FORGE_MAX_WAIT_MS allows; try again later.`,
  forgeTimeout: (forge: string, ms: number) =>
    `${forge} did not answer within ${ms / 1000} s; check the forge's address and the network, or raise FACTORY_FORGE_TIMEOUT_MS.`,
  // sweep
  sweepOperationInProgress: (operation: string, conflicted: number) =>
    `stuck in the middle of ${operation}${conflicted ? ` with ${conflicted} conflicted file${conflicted === 1 ? '' : 's'}` : ''}: finish it (git status says how) or abort it`,
  sweepConflicts: (n: number) => `${n} file${n === 1 ? '' : 's'} with unresolved conflicts`,
  // review and the pull-request record
  review: {
    open: 'the pull request is open',
    notOpen: (state: string) => `the pull request is ${state}, not open`,
    draft: 'the pull request is a draft; mark it ready for review',
    notDraft: 'the pull request is not a draft',
    blockingLabels: (labels: readonly string[]) => `blocking label: ${labels.join(', ')}`,
    noLabels: 'no blocking label',
    noChecks: 'no checks reported on the head commit; refusing to merge what nothing has checked',
    checksExist: (n: number) => `${n} check${n === 1 ? '' : 's'} reported on the head commit`,
    requiredGreen: (names: readonly string[]) =>
      `required checks green on the head commit: ${names.join(', ')}`,
    requiredNotGreen: (missing: readonly string[], notGreen: readonly string[]) =>
      [
        missing.length ? `required checks not reported on the head commit: ${missing.join(', ')}` : '',
        notGreen.length ? `required checks not green: ${notGreen.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    failing: (names: readonly string[]) => `failing checks: ${names.join(', ')}`,
    noFailing: 'no failing checks',
    pending: (names: readonly string[]) => `checks still running: ${names.join(', ')}`,
    noPending: 'no pending checks',
    authorAllowed: (author: string) => `author ${author} is allowed`,
    authorNotAllowed: (author: string) =>
      `author ${author} is not in review.authors, so a human must merge it`,
    size: (changed: number, max: number, ok: boolean) =>
      ok
        ? `${changed} changed lines (limit ${max})`
        : `${changed} changed lines is over the limit of ${max}, so a human must review it`,
    sizeUnmeasured: (files: readonly string[]) =>
      `${files.length} file${files.length === 1 ? '' : 's'} changed without a line count (a rename, binary file or mode change: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''}), so the size rule cannot measure the change; a human must review it`,
    filesComplete: (n: number) => `all ${n} changed file${n === 1 ? '' : 's'} listed`,
    filesIncomplete: (listed: number, total: number | undefined) =>
      total === undefined
        ? `the forge listed ${listed} changed files but did not say how many the change has, so an unlisted protected path cannot be ruled out; a human must review it`
        : `the forge listed ${listed} of ${total} changed files, so an unlisted protected path cannot be ruled out; a human must review it`,
    protectedTouched: (files: readonly string[]) =>
      `changes protected paths (gates, guard, hooks or factory config), a human must review: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}`,
    protectedUntouched: 'no protected path changed',
    approvals: (have: number, need: number, ok: boolean) =>
      ok
        ? `${have} approval${have === 1 ? '' : 's'} (need ${need})`
        : `${have} of ${need} required approvals`,
    mergeableUnknown: 'the forge has not computed mergeability yet',
    mergeable: 'mergeable without conflicts',
    conflicts: 'has conflicts with the base branch',
    upToDateUnknown: (base: string) => `not known whether the head contains the tip of ${base}`,
    upToDate: 'up to date with the base branch',
    behind: (base: string) => `behind ${base}; update the branch first`,
  },
  pullTransitionRefused: (key: string, from: string, to: string) =>
    `pull request ${key} cannot move from ${from} to ${to}; read it again and retry.`,
} as const;
