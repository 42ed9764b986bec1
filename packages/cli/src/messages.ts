/**
 * Every user-facing message of the factory command, in one place.
 * Errors are one sentence on stderr: what is wrong, then how to fix it.
 */
export const messages = {
  notAvailable: (command: string) =>
    `factory ${command} is not available in this version yet; see docs/cli.md for what is.`,
  usage: (detail: string) => `${detail}; run factory --help for usage.`,
  unknownCommand: (name: string) => `unknown command "${name}"; run factory --help to see the commands.`,
  internalError: (reason: string) =>
    `factory failed unexpectedly (${reason}); run again with --debug for details and report the bug.`,
  cwdMissing: (dir: string) => `--cwd ${dir} is not a folder; pass an existing folder.`,
  // --- sweep helper: manifest, repos, sweep, forges, review ---
  manifestSyntax: (file: string, line: number, what: string) =>
    `${file} line ${line}: ${what}; fix the YAML there.`,
  manifestInvalid: (file: string, line: number, what: string) =>
    `${file} line ${line}: ${what}; fix the manifest there (see docs/sweep.md).`,
  manifestEmpty: (file: string) => `${file} lists no repositories; add one with factory repos add PATH.`,
  manifestNoneTagged: (tag: string) => `no repository of the manifest has the tag ${tag}; check --only.`,
  repoAdded: (path: string) => `added ${path}`,
  repoAlreadyListed: (path: string) => `${path} is already in the manifest`,
  repoRemoved: (path: string) => `removed ${path}`,
  repoNotListed: (path: string, file: string) =>
    `${path} is not in ${file}; run factory repos list to see the paths.`,
  repoNotAFolder: (path: string) => `${path} is not a folder; pass the path of a git working tree.`,
  concurrencyInvalid: (value: unknown) =>
    `--concurrency ${String(value)} is not a whole number from 1 to 64; pass one.`,
  resumeNothing: 'nothing failed in the last sweep, so --resume has nothing to retry.',
  forgeTokenMissing: (forge: string, variables: string) =>
    `no ${forge} token: set ${variables} to read pull/merge requests.`,
  forgeRequestFailed: (forge: string, what: string, status: number | string) =>
    `${forge} ${what} failed (${status})`,
  forgeRateLimited: (forge: string, seconds: number) =>
    `${forge} rate limit: the forge asks to wait ${seconds} s, longer than FACTORY_FORGE_MAX_WAIT_MS allows; try again later.`,
  reviewSummary: (
    s: {
      repositories: number;
      open: number;
      mergeable: number;
      merged: number;
      failed: number;
      errors: number;
    },
    merge: boolean,
  ) =>
    `${s.open} open request${s.open === 1 ? '' : 's'} in ${s.repositories} repositories: ${s.mergeable} allowed by the policy, ${merge ? `${s.merged} merged, ${s.failed} failed` : 'dry run (pass --merge to merge)'}${s.errors ? `, ${s.errors} repositories could not be read` : ''}.`,
  sweepSummary: (s: { total: number; healthy: number; unhealthy: number; failed: number; timeout: number }) =>
    `${s.total} repositories swept: ${s.healthy} healthy, ${s.unhealthy} unhealthy, ${s.failed} failed, ${s.timeout} timed out.`,
  forgeUnknown: (repo: string) =>
    `cannot tell the forge of ${repo}: set forge (github or gitlab) and project in the manifest.`,
} as const;
