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
    factoryCheckGreen: (name: string) => `the factory check ${name} passed on the head commit`,
    factoryCheckMissing: (name: string) =>
      `no factory check ${name} on the head commit: the gates never ran server-side on it; run factory ci init and push, or set review.factoryCheck to false`,
    factoryCheckPending: (name: string) => `the factory check ${name} is still running on the head commit`,
    factoryCheckFailed: (name: string, state: string) =>
      `the factory check ${name} is ${state} on the head commit: the gates refused it`,
  },
  pullTransitionRefused: (key: string, from: string, to: string) =>
    `pull request ${key} cannot move from ${from} to ${to}; read it again and retry.`,
  mergingRecovered: (since: string, outcome: string) =>
    `a review stopped while merging (merging since ${since}); the forge says ${outcome}`,
  // the loop: factory task add --prompt, work, loop, statusline (loop helper)
  loop: {
    promptEmpty:
      '--prompt is empty; say what the agent should do, e.g. --prompt "Fix the typo in README.md".',
    repoNotInManifest: (path: string, file: string) =>
      `${path} is not a repository of the manifest ${file}; add it with factory repos add ${path}, or leave --repo out to use the current repository.`,
    repoNotGit: (path: string) => `${path} is not a git repository; pass the folder of a git checkout.`,
    notWorkTask: (id: number, workflow: string) =>
      `task ${id} is a ${workflow} task, not a work task; factory work only runs tasks added with factory task add --prompt.`,
    workTaskBroken: (id: number) =>
      `task ${id} has no prompt or repositories in its data; add it again with factory task add TITLE --prompt TEXT.`,
    notReady: (id: number, state: string) =>
      `task ${id} is ${state}, not ready; only ready tasks (or running ones whose worker died) are worked on.`,
    noneReady: 'no work task is ready; add one with factory task add TITLE --prompt TEXT.',
    dirtyCheckout: (repo: string, files: number) =>
      `the main checkout of ${repo} has ${files} uncommitted change(s); commit or stash them, then unblock the task with factory task move ID unblock.`,
    detachedCheckout: (repo: string) =>
      `the main checkout of ${repo} is on a detached HEAD; check out its default branch, then unblock the task with factory task move ID unblock.`,
    branchTaken: (branch: string, repo: string) =>
      `branch ${branch} already exists in ${repo} and is not this task's; delete or rename it, then unblock the task with factory task move ID unblock.`,
    worktreeFailed: (repo: string, detail: string) =>
      `could not create the worktree in ${repo} (${detail}); fix that, then unblock the task with factory task move ID unblock.`,
    claudeMissing: (bin: string) =>
      `Claude Code was not found at ${bin}; install @anthropic-ai/claude-code, or pass --claude BIN (or set FACTORY_CLAUDE).`,
    claudeTooOld: (version: string, min: string) =>
      `Claude Code ${version} is too old for factory work (it needs ${min} or newer for hooks that fail closed); update it with npm install -g @anthropic-ai/claude-code.`,
    claudeUnreadable: (bin: string, detail: string) =>
      `${bin} --version did not say which Claude Code it is (${detail}); pass the claude executable with --claude BIN.`,
    sessionTimedOut: (seconds: number, how: string) =>
      `the session ran past its time limit of ${seconds} s (loop.timeoutSeconds) and was stopped (${how})`,
    sessionOverBudget: (usd: number) => `the session reached its budget of ${usd} USD (loop.maxBudgetUsd)`,
    sessionMaxTurns: (turns: number) => `the session used all of its ${turns} turns (loop.maxTurns)`,
    sessionError: (detail: string) => `the session ended with an error (${detail})`,
    sessionExited: (code: string, detail: string) =>
      `Claude Code exited with ${code} before it finished${detail ? ` (${detail})` : ''}`,
    sessionNoCommit: 'the session ended without a commit in any repository',
    sessionUncommitted: (repo: string, files: number) =>
      `the session left ${files} uncommitted change(s) in ${repo} (did a gate refuse the commit?)`,
    leaseLost: (detail: string) => `the lease on the task was lost (${detail}); another worker has it now`,
    pushRefused: (repo: string, detail: string) => `the push of ${repo} was refused (${detail})`,
    forgeRefused: (repo: string, detail: string) => `the forge refused the request for ${repo} (${detail})`,
    noForge: (repo: string) =>
      `cannot tell the forge of ${repo}; set forge (github or gitlab) and project for it in the manifest`,
    gaveUp: (attempts: number, reason: string) => `gave up after ${attempts} attempt(s): ${reason}`,
    requestClosed: (url: string) => `the request ${url} was closed without a merge`,
    reworkChanges: (url: string, sha: string, reviewers: string) =>
      `changes requested on ${sha.slice(0, 12)} of ${url} by ${reviewers}; read the review and address it`,
    reworkChecks: (url: string, sha: string, checks: string) =>
      `checks failed on ${sha.slice(0, 12)} of ${url}: ${checks}`,
    taskUnknownRef: (ref: string) =>
      `there is no task "${ref}"; name a task by its number or its key (factory task list shows both).`,
    statuslineMissing: 'factory: no loop yet',
    sandboxStartFailed: (repos: string, detail: string) =>
      `a command of the session never ran (the sandbox could not start it: ${detail}) and ${repos} got no commit, so the session's account of its work cannot be trusted`,
  },
} as const;
