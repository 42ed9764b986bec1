/** Every user-facing message of the loop (factory task add --prompt, work, loop, statusline). */
export const loopMessages = {
  promptEmpty: '--prompt is empty; say what the agent should do, e.g. --prompt "Fix the typo in README.md".',
  repoNotInManifest: (path: string, file: string) =>
    `${path} is not a repository of the manifest ${file}; add it with factory repos add ${path}, or leave --repo out to use the current repository.`,
  repoNotGit: (path: string) => `${path} is not a git repository; pass the folder of a git checkout.`,
  notWorkTask: (id: number, workflow: string) =>
    `task ${id} is a ${workflow} task, not a work task; factory work only runs tasks added with factory task add --prompt.`,
  workTaskBroken: (id: number) =>
    `task ${id} has no prompt or repositories in its data; add it again with factory task add TITLE --prompt TEXT.`,
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
  sessionTimedOut: (seconds: number) => `the session ran past its time limit of ${seconds} s and was stopped`,
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
  reworkChecks: (url: string, sha: string, checks: string) =>
    `checks failed on ${sha.slice(0, 12)} of ${url}: ${checks}`,
  statuslineMissing: 'factory: no loop yet',
} as const;
