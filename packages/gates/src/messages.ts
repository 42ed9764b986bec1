/**
 * Every user-facing message of packages/gates, in one place. A refusal names the rule and the
 * sanctioned alternative; an error says what is wrong and how to fix it, in one sentence.
 */
export const messages = {
  hookInputNotJson: (event: string) =>
    `factory guard blocked this call: the ${event} hook input on stdin was not valid JSON, so it could not be checked; this is a bug in the caller, report it with the payload.`,
  hookInputEmpty: (event: string) =>
    `factory guard blocked this call: the ${event} hook received no input on stdin, so it could not be checked.`,
  hookInputWrongShape: (event: string, what: string) =>
    `factory guard blocked this call: the ${event} hook input is malformed (${what}).`,
  hookUnknownEvent: (event: string, known: readonly string[]) =>
    `factory guard blocked this call: unknown hook event "${event}" (known: ${known.join(', ')}); fix the command in .claude/settings.json or re-run factory init.`,
  hookInternalError: (reason: string) =>
    `factory guard blocked this call because it failed internally (${reason}); run factory doctor, and report the bug if it persists.`,

  // ---- the agent guard (guard helper) ----
  guardConfigInvalid: (file: string, problem: string) =>
    `the guard config in ${file} is invalid: ${problem}; fix the file (the schema is packages/core/src/config/schema/guard.schema.json) and every tool call is checked again.`,
  hookInputTooLarge: (event: string, bytes: number, limit: number) =>
    `factory guard blocked this call: the ${event} hook input is ${bytes} bytes, over the ${limit}-byte limit, so it was not checked.`,
  hookToolInputInvalid: (problem: string) =>
    `factory guard blocked this call: the tool input is malformed (${problem}), so it could not be checked.`,
  guardFailedOpen: (reason: string) =>
    `factory guard could not decide (${reason}) and guard.onError is "allow", so the call goes on unchecked.`,
  guardAuditFailed: (reason: string) =>
    `factory guard: the decision was not recorded in .factory/state.db (${reason}); run factory doctor.`,
  stopTaskOpen: (task: string, state: string) =>
    `factory: the task you claimed (${task}) is still "${state}"; finish it and move it to a terminal state (factory task move), or hand it over (factory task release) before stopping.`,
  stopGatesRefusedCommit: (gate: string) =>
    `factory: your last commit attempt was refused by the ${gate} gate and nothing was committed since; fix what it reported and commit again before stopping.`,
  stopGivesUp: (limit: number, reasons: string) =>
    `factory: stop allowed after ${limit} refused stops in this session, although: ${reasons} A human should look at it.`,
  stopStateUnreadable: (reason: string) =>
    `factory: the Stop hook cannot read .factory/state.db (${reason}), so it cannot tell whether your task or gates are open; letting the session stop. Run factory doctor to repair the state.`,
  stopCannotCount: (reason: string, open: string) =>
    `factory: the Stop hook cannot record its block in .factory/state.db (${reason}), so it could not limit how often it blocks; letting the session stop, although: ${open} Run factory doctor to repair the state.`,
  stopGatesRed: (sha: string, gate: string) =>
    `factory: the gates are red on your last commit ${sha} (${gate} failed); fix what it reports and commit again before stopping.`,

  // git gates (gates helper)
  secretFound: (what: string, masked: string, rule: string) => `${what} (${masked}, rule ${rule})`,
  secretFix:
    'remove it from the file and read it from the environment or a secret store; if it was ever pushed, rotate it; a known false positive takes a `factory-allow-secret: <reason>` comment on its line (one per finding) or a gates.secrets.allowPaths entry {"path": glob, "reason": why}',
  commandsAlreadyPassed: (tree: string, run: number) =>
    `factory gate pre-push: the commands already passed on this tree (${tree}, gate run #${run}); not run again`,
  secretInMessageFix:
    'reword the commit without the secret (git commit --amend, or git rebase -i for an older commit) and rotate it if it ever left this machine',
  secretMarkerNeedsReason:
    'the factory-allow-secret marker on this line gives no reason, so it allows nothing: write `factory-allow-secret: <why this is not a secret>` (one marker per finding), or remove the secret',
  secretAllowed: (where: string, rule: string, by: string, reason: string) =>
    `factory gate: allowed ${where} (rule ${rule}) by ${by}: ${reason}`,
  conflictMarker: (marker: string) => `a merge-conflict marker (${marker})`,
  conflictMarkerFix: 'finish the merge: keep the right side, delete the markers, stage the file again',
  largeFile: (kb: number, maxKb: number) => `${kb} KiB, over the limit of ${maxKb} KiB`,
  largeFileFix:
    'keep large files out of git (Git LFS, a release asset, a download step), or raise gates.preCommit.maxFileSizeKb',
  forbiddenPath: 'a path that must never be committed (gates.preCommit.forbiddenPaths)',
  forbiddenPathFix: (path: string) =>
    `unstage it with git restore --staged -- ${path} and add it to .gitignore; if it really belongs in git, narrow gates.preCommit.forbiddenPaths`,
  taskFailed: (command: string, code: number, files: number) =>
    `the task "${command}" failed (exit ${code}) on ${files} staged file${files === 1 ? '' : 's'}`,
  taskFix: 'fix what the task reported above, stage the fix, and commit again',
  taskNotFound:
    'the command was not found (exit 127): install the tool (node_modules/.bin and PATH are searched) or change gates.preCommit.tasks in the config',
  taskFixConflicts:
    'a task changed this file and its fix overlaps your unstaged changes to it; nothing was changed',
  taskFixConflictsFix:
    'stage the whole file (git add) or put the unstaged changes aside yourself, then commit again',
  taskSkippedToolMissing: (command: string, glob: string, tool: string) =>
    `factory gate pre-commit: warning: skipped the optional task "${command}" (${glob}): ${tool} is not installed (node_modules/.bin, .venv/bin or PATH); install it, or remove the task (set gates.preCommit.tasks["${glob}"] to null in factory.config.json).`,
  commandSkippedToolMissing: (name: string, tool: string) =>
    `factory gate pre-push: warning: skipped the optional command "${name}": ${tool} is not installed (node_modules/.bin, .venv/bin or PATH); install it, or remove it from gates.prePush.commands in factory.config.json.`,
  gitleaksFound: 'gitleaks found secrets (its report is above)',
  gitleaksMissing:
    'gates.secrets.gitleaks is "required" but gitleaks is not on PATH; install gitleaks or set it to "auto"',
  commandFailed: (name: string, code: number) => `"${name}" failed (exit ${code})`,
  commandFix: 'fix what it reported above and push again',
  commitMsgMismatch: (pattern: string) => `the first line does not match ${pattern}`,
  commitMsgFix: (hint: string | undefined) =>
    hint ?? 'reword the message (git commit --amend) to match gates.commitMsg.pattern',
  commitMsgFileMissing: (file: string) =>
    `the commit message file ${file} cannot be read; this hook must be called by git with its file.`,
  commitMsgBadPattern: (pattern: string, reason: string) =>
    `gates.commitMsg.pattern ${pattern} is not a valid regular expression (${reason}); fix it in the config.`,
  skipNeedsReason:
    'FACTORY_SKIP is set without FACTORY_SKIP_REASON; say why (FACTORY_SKIP_REASON="...") so the skip can be recorded, or unset FACTORY_SKIP.',
  skipSecrets:
    'the secret check cannot be skipped (FACTORY_SKIP names "secrets"); remove the secret, or mark a false positive with a `factory-allow-secret: <reason>` comment or a gates.secrets.allowPaths entry with a reason.',
  skipUnknown: (name: string, known: readonly string[]) =>
    `FACTORY_SKIP names "${name}", which is not a check (known: ${known.join(', ')}, or all); fix the name.`,
  gateUnknown: (name: string) =>
    `unknown gate "${name}" (known: pre-commit, pre-push, commit-msg, ci, history); the git hooks call factory gate pre-commit, pre-push or commit-msg.`,
  gateNotInRepository: (dir: string) =>
    `${dir} is not inside a git repository, and the gates run from git hooks; run factory in a repository (git init makes one) or pass --cwd DIR.`,
  gateFailedHeader: (gate: string) => `factory gate ${gate}: refused`,
  gateFailedFooter: (gate: string) =>
    `fix the findings above and ${gate === 'pre-push' || gate === 'ci' ? 'push' : 'commit'} again. A human in a hurry may skip a check with a reason: FACTORY_SKIP=<check> FACTORY_SKIP_REASON="why" (recorded; never the secret check). Past runs: factory gate history`,
  gateInterrupted: (gate: string, restored: string) => `factory gate ${gate}: interrupted; ${restored}`,
  gateRecordFailed: (reason: string) =>
    `factory: warning: this gate run could not be recorded in .factory/state.db (${reason}); run factory doctor.`,

  // init (gates helper)
  initUnknownPreset: (name: string) =>
    `there is no preset "${name}"; use --preset base, typescript or python.`,
  initConfigKept: (file: string) =>
    `${file} already exists and was kept as it is; edit its "extends" to change the preset.`,
  initDormantManager: (managers: readonly string[]) =>
    `this repository is configured for ${managers.join(' and ')}, but its git hooks are not installed, so factory cannot keep them running; install them first (lefthook install, pre-commit install or prek install) and run factory init again, or pass --force to go on without them.`,
  initDormantForced: (managers: readonly string[]) =>
    `${managers.join(' and ')} is configured but its hooks were not installed; it stays not running (--force).`,
  initUnchainable: (names: readonly string[]) =>
    `the existing git hooks ${names.join(', ')} cannot be chained through husky and would stop running; remove or move them and run factory init again, or pass --force to go on without them.`,
  initUnchainableForced: (names: readonly string[]) =>
    `the existing git hooks ${names.join(', ')} cannot be chained and no longer run (--force).`,
  initToPersonal:
    'switched to personal mode: factory files that were committed in team mode are still tracked; untrack them with git rm --cached if teammates should not get them.',
  initTeamCommit:
    'team mode: commit .husky/, the config, .claude/settings.json (and package.json) so that every clone is gated; each clone without node_modules runs factory init once.',
  initTeamCloneKept: (paths: readonly string[]) =>
    `this clone is of a team setup, so its committed files stay as they are (${paths.join(', ')} differ from what this factory would write); run factory init --team to update the team setup, and commit it.`,
  initLockFileFailed: (reason: string) =>
    `package.json now has husky, but npm could not update package-lock.json (${reason}); run npm install once the registry is reachable, or npm ci will refuse the lock file.`,
  initPackageJsonInvalid: (file: string, reason: string) =>
    `${file} is not valid JSON (${reason}); fix it, then run factory init --team again.`,
  initGitConfigFailed: (key: string, reason: string) =>
    `git config ${key} failed (${reason}); check that .git/config is writable.`,
  initHuskyFailed: (reason: string) =>
    `husky could not install its hook folder (${reason}); fix that and run factory init again.`,
  initToolMissing: (tool: string, where: string, optional: boolean) =>
    `${tool} (${where}) is not installed (node_modules/.bin, .venv/bin or PATH): ${optional ? 'it is optional, so commits and pushes skip it with a warning' : 'commits or pushes that need it will be refused'}; install it, or remove it from the config (a task: set it to null in factory.config.json).`,
  initNeedsYes:
    'factory init asks before it writes, but there is no terminal to ask in; pass --yes to go ahead, or --dry-run to see the changes.',
  initCancelled: 'factory init cancelled; nothing was written.',
  settingsNotJson: (file: string, reason: string) =>
    `${file} is not valid JSON (${reason}); fix it (factory init left it untouched) and run factory init again.`,
  settingsWrongShape: (file: string, what: string) =>
    `${file} is not a Claude Code settings file as expected: ${what}; fix it (factory init left it untouched) and run factory init again.`,

  // uninstall (onboarding helper)
  installRecordInvalid: (file: string) =>
    `${file} (factory init's record of what it changed) is not valid JSON; remove it and factory's files by hand (docs/uninstall.md lists them).`,
  uninstallNothing: (root: string) =>
    `there is nothing to uninstall in ${root}: factory init left no record of its changes here (it was never run here, or by a release older than factory uninstall); docs/uninstall.md says what to remove by hand.`,
  uninstallKeptTeamFiles: (count: number) =>
    `${count} committed file${count === 1 ? '' : 's'} of the team setup stay${count === 1 ? 's' : ''} (they gate every clone); pass --team to remove them too, then commit the removal.`,
  uninstallKeptState: (dir: string) =>
    `the state store ${dir} stays (tasks, gate runs, guard decisions); pass --remove-state to delete it too.`,
  uninstallGitConfigChanged: (key: string, value: string) =>
    `git config ${key} was changed to "${value}" after factory init, so it is left as it is.`,

  // doctor (gates helper): each finding is the problem and the fix.
  doctor: {
    worktreeNotSetUp: (root: string, mainRoot: string) => ({
      problem: `this worktree (${root}) has no factory config and guard of its own, unlike the main worktree (${mainRoot}): commits here skip the preset's tasks and Claude Code runs here unguarded`,
      fix: 'run factory init in this worktree (new worktrees get it from the post-checkout hook that factory init installs, unless hooks were off when they were made)',
    }),
    huskyRewroteWrapper: (hook: string, stub: string) => ({
      problem: `husky's install (npm install runs it through "prepare") rewrote ${stub}, which held factory's ${hook} gate: only the team's husky script runs, the gate does not`,
      fix: "run factory init: it moves factory's hooks out of husky's folder, where npm install cannot undo them",
    }),
    toolMissing: (tool: string, where: string, optional: string) => ({
      problem: `${tool} (${where}) is not installed in node_modules/.bin, .venv/bin or on PATH: ${optional === 'yes' ? 'the gates skip it (optional), so that check never runs' : 'every commit or push that needs it is refused'}`,
      fix: `install ${tool} (npm install -D for Node tools; into .venv for Python tools), or remove it from factory.config.json (set the task's glob to null, or leave the command out of gates.prePush.commands)`,
    }),
    hooksPathUnset: () => ({
      problem: 'core.hooksPath is not set, so git runs .git/hooks and none of factory’s gates',
      fix: 'run factory init',
    }),
    hooksPathChanged: (value: string) => ({
      problem: `core.hooksPath is ${value}, not factory’s .husky/_ (another tool changed it), so the gates do not run`,
      fix: 'run factory init (it keeps the other tool’s hooks running)',
    }),
    huskyDispatchMissing: (dir: string) => ({
      problem: `${dir} does not exist (as in a fresh clone or worktree), so git runs no hook at all`,
      fix: 'run factory init in this working tree (or npm install where package.json has "prepare": "husky")',
    }),
    huskyDisabled: () => ({
      problem: 'HUSKY=0 is set in this environment, so husky skips every hook silently',
      fix: 'unset HUSKY (look in your shell profile and ~/.config/husky/init.sh)',
    }),
    hookStubMissing: (stub: string) => ({
      problem: `${stub} is missing or not executable, so git skips that hook`,
      fix: 'run factory init',
    }),
    gateNotCalled: (hook: string, script: string) => ({
      problem: `the ${hook} hook does not call factory gate ${hook} (${script} was changed or replaced)`,
      fix: 'run factory init (it adds its block and keeps your own lines)',
    }),
    commitMsgFiltered: (script: string) => ({
      problem: `gates.commitMsg.pattern is set but ${script} was written without one: it runs the gate only for messages that look like they hold a secret, so the pattern is not checked`,
      fix: 'run factory init (it rewrites the hook to run the gate on every message)',
    }),
    binaryUnreachable: (hook: string, bin: string, node: string) => ({
      problem: `the ${hook} hook cannot reach factory (${bin} run by ${node}), so every commit is refused`,
      fix: 'reinstall factory and run factory init again, which records the new paths',
    }),
    hookShadowed: (name: string, manager: string, path: string) => ({
      problem: `the ${name} hook of ${manager} (${path}) is not chained from factory’s hooks, so it does not run`,
      fix: 'run factory init, which chains it',
    }),
    lefthookUnreachable: (name: string, path: string) => ({
      problem: `the chained ${name} hook ${path} is lefthook's, and lefthook cannot be found, so it exits 0 without running anything`,
      fix: 'install lefthook (npm install, or put it on PATH), or remove its hook if it is no longer used',
    }),
    managerDormant: (manager: string) => ({
      problem: `${manager} is configured here but its hooks are not installed, so its checks never run`,
      fix: 'install its hooks (lefthook install / pre-commit install / prek install), then run factory init to chain them',
    }),
    settingsInvalid: (file: string, reason: string) => ({
      problem: `${file} is not valid JSON (${reason}), so Claude Code ignores it and the guard with it`,
      fix: 'fix the JSON, then run factory init',
    }),
    hooksDisabled: (file: string) => ({
      problem: `${file} sets "disableAllHooks": true, so the guard never runs`,
      fix: 'remove disableAllHooks from that file',
    }),
    guardMissing: () => ({
      problem:
        'the guard is not in .claude/settings.json or .claude/settings.local.json, so the agent’s tool calls are not checked',
      fix: 'run factory init',
    }),
    guardUnreachable: (file: string, bin: string) => ({
      problem: `the guard in ${file} calls ${bin}, which does not exist, so every tool call is blocked`,
      fix: 'reinstall factory and run factory init again',
    }),
    configInvalid: (reason: string) => ({
      problem: `the config is invalid, so every gate refuses: ${reason}`,
      fix: 'fix the config as the message says',
    }),
    stateMissing: (file: string) => ({
      problem: `${file} does not exist, so gate runs and guard decisions are not recorded`,
      fix: 'run factory init',
    }),
    stateUnhealthy: (file: string, reason: string) => ({
      problem: `${file} is unhealthy (${reason})`,
      fix: 'move the file aside and run factory init to start a fresh one',
    }),
    // enforcement at the point of effect (guard-engines helper)
    controlTampered: (what: string) => ({
      problem: `control files differ from what factory init recorded (${what}), so the guard and the gates refuse everything`,
      fix: 'check the change (git diff, git status), then run factory init, which restores factory’s files and records the rest',
    }),
    controlUnrecorded: () => ({
      problem:
        'no control record (.factory/control.json): a change to the hooks, the settings or the config would go unnoticed',
      fix: 'run factory init',
    }),
    refTransactionMissing: (path: string) => ({
      problem: `${path} is missing or not executable, so a commit made with --no-verify can still move a branch`,
      fix: 'run factory init',
    }),
    sandboxToolsMissing: (tools: string) => ({
      problem: `${tools} not installed, so Claude Code’s sandbox cannot start and every Bash call fails (failIfUnavailable)`,
      fix: 'install them: sudo apt-get install -y bubblewrap socat (Debian, Ubuntu), sudo dnf install -y bubblewrap socat (Fedora)',
    }),
    claudeCodeOutdated: (version: string, minimum: string) => ({
      problem: `Claude Code ${version} is older than ${minimum} and ignores "onFailure": "block", so a guard that times out lets the call run`,
      fix: 'update Claude Code: npm install -g @anthropic-ai/claude-code@latest (or claude update)',
    }),
    guardIncomplete: (file: string, missing: string) => ({
      problem: `the guard in ${file} does not see every tool (${missing}), so those calls are not checked`,
      fix: 'run factory init',
    }),
    binaryForeign: (bin: string, target: string) => ({
      problem: `${bin}, the factory the hooks run, leads to ${target}, which is not factory's package, so the hooks may answer anything`,
      fix: 'reinstall factory (npm install), then run factory init; ask who replaced it',
    }),
  },
  // enforcement at the point of effect (guard-engines helper)
  controlTamperedRefusal: (what: string) =>
    `refused: control files differ from what factory init recorded (${what}); something other than factory init changed them, so nothing runs until a human checks the change and runs factory init.`,
  guardTampered: (what: string) =>
    `factory guard refused this call: control files differ from what factory init recorded (${what}). Instead: stop and ask the human to check the change and run factory init in a terminal; every call is refused until then.`,
  refRefused: (lines: readonly string[]) =>
    `factory: refused: ${lines.join('; ')}; fix: commit through the gates (git commit without --no-verify), or fix what the checks report and continue. A human may move a branch past this with FACTORY_SKIP=all FACTORY_SKIP_REASON="why" (recorded).`,
  refSkipped: (reason: string) =>
    `factory: warning: the reference-transaction check was skipped by FACTORY_SKIP=all (reason: ${reason}); recorded.`,
  initClaudeOutdated: (version: string, minimum: string) =>
    `Claude Code ${version} is older than ${minimum}: it ignores "onFailure": "block" on the guard's hook entries; update it (npm install -g @anthropic-ai/claude-code@latest).`,
  initSandboxToolsMissing: (tools: string) =>
    `Claude Code's sandbox needs ${tools}, which is not installed: every Bash call of the agent fails until it is (sudo apt-get install -y bubblewrap socat), or set sandbox.enabled to false in the config.`,
  // skills and memory (evals helper)
  memoryUnavailable: (reason: string) =>
    `factory memory was not added to the context (${reason}); run factory doctor to check the state database.`,
  skillsManifestInvalid: (file: string) =>
    `${file} is not a valid skills manifest; move it aside and run factory skills sync --force to reinstall the skills.`,
  skillNotInstalled: (name: string, installed: readonly string[]) =>
    `factory did not install a skill "${name}" here (${installed.length > 0 ? `installed: ${installed.join(', ')}` : 'none is installed'}); check the name with factory skills list.`,
  skillUnknown: (name: string, known: readonly string[]) =>
    `there is no shipped skill "${name}" (shipped: ${known.join(', ')}); check the name.`,
  // memory (the project memory the hooks add to the agent's context)
  memoryEmpty:
    'the memory text is empty; pass the sentence to remember, e.g. factory memory add "run npm test before committing".',
  memoryUnknown: (id: number) => `there is no memory entry ${id}; run factory memory list to see the ids.`,
  pushOverwritesUnfetched: (remoteRef: string, remote: string, sha: string) =>
    `the push would overwrite ${remoteRef} on ${remote} at ${sha}, a commit this clone has never fetched, and lose work you have not seen; run git fetch ${remote}, look at what it brings, then push again (git push --force-with-lease keeps that safe).`,
  // server-side gates: factory gate ci, factory ci init (ci-pg helper)
  ciBadRange: (range: string) =>
    `--range ${range} is not a range; give it as BASE..HEAD (two commits, branches or tags), e.g. --range origin/main..HEAD.`,
  ciNoRange:
    'factory gate ci found no CI environment (GITHUB_ACTIONS or GITLAB_CI) and no --range; run it in GitHub Actions or GitLab CI, or pass --range BASE..HEAD.',
  ciGithubNoEvent:
    'GITHUB_EVENT_PATH is not set, so the pull request to judge is unknown; run factory gate ci as a step of a GitHub Actions job, or pass --range BASE..HEAD.',
  ciGithubEventUnreadable: (path: string, reason: string) =>
    `the GitHub event payload ${path} cannot be read (${reason}); run factory gate ci as a step of a GitHub Actions job, or pass --range BASE..HEAD.`,
  ciUnsupportedEvent: (forge: string, event: string) =>
    `factory gate ci judges pull requests, merge queues and pushes, not the ${forge} event "${event}"; trigger the job on pull_request or push (factory ci init writes such a workflow), or pass --range BASE..HEAD.`,
  ciMissingSha: (what: string) =>
    `the CI environment has no commit in ${what}; run factory gate ci in the job factory ci init writes, or pass --range BASE..HEAD.`,
  ciCommitMissing: (rev: string) =>
    `commit ${rev} is not in this clone; fetch the whole history (actions/checkout with fetch-depth: 0, GitLab's GIT_DEPTH: "0", or git fetch --unshallow) and run factory gate ci again.`,
  ciShallow:
    'this clone is shallow, so commits of the range may be missing; fetch the whole history (actions/checkout with fetch-depth: 0, GitLab\'s GIT_DEPTH: "0", or git fetch --unshallow) and run factory gate ci again.',
  ciHeadNotCheckedOut: (checkedOut: string, head: string) =>
    `the configured tasks and commands run on the checked-out files, but HEAD is ${checkedOut.slice(0, 12)}, not the range's head ${head.slice(0, 12)}; check out ${head.slice(0, 12)} and run factory gate ci again.`,
  ciJudging: (commits: number, source: string, range: string) =>
    `factory gate ci: ${commits} commit${commits === 1 ? '' : 's'} of ${source} (${range})`,
  ciTaskChanged:
    'a pre-commit task changed this file, so the commit did not pass the pre-commit gate (made with --no-verify, or without factory)',
  ciTaskFix:
    'run the pre-commit gate locally (factory gate pre-commit, or commit through the hooks), commit the result and push again',
  ciGitlabInvalid: (file: string, reason: string) =>
    `${file} is not valid YAML (${reason}); fix it, then run factory ci init --gitlab again.`,
  ciGitlabNotAMapping: (file: string) =>
    `${file} does not hold a mapping of jobs at its top level; fix it, then run factory ci init --gitlab again.`,
  ciWriteFailed: (file: string, reason: string) =>
    `${file} could not be written (${reason}); check the folder's permissions and run factory ci init again.`,
  claudeBinDeprecated:
    'factory: FACTORY_CLAUDE_BIN is deprecated and will be removed; set FACTORY_CLAUDE to the claude executable instead.',
  // a command the shell itself cannot parse (guard-agree3 helper)
  guardShellRunsNothing: (shellError: string) =>
    `the shell cannot parse this command either, so it runs none of it (${shellError})`,
  guardIntentRefused: (intended: string, shellError: string) =>
    `As sent, the command does not parse and would run nothing (${shellError}); read as meant, \`${intended}\`, it is refused for the reason above.`,
  // the guard's remaining holes (guard-holes4 helper)
  initTamperedInAgentSession: (what: string, marker: string) =>
    `factory init refused: control files differ from what factory init recorded (${what}), and this init runs inside an agent session (${marker} is set), where it would record the change as good; ask the human to check the change and run factory init in a terminal.`,
} as const;
