import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { runGitleaks } from '../secrets/gitleaks.js';
import { checkConflictMarkers, checkForbiddenPaths, checkLargeFiles, checkSecrets } from './checks.js';
import { type CiRange, resolveCiRange } from './ci-range.js';
import type { Finding } from './findings.js';
import { git, gitRaw, splitZ } from './git.js';
import { commitBlobs, runConfiguredCommands } from './pre-push.js';
import { CheckLog, type GateOutcome } from './result.js';
import { type InterruptGuard, WorkSnapshot } from './snapshot.js';
import { readStagedBlobs, type StagedFile } from './staged.js';
import { matchTasks, runCommand, taskEnv } from './tasks.js';

export { FACTORY_CHECK_NAME } from './ci-check.js';

function commitOf(cwd: string, rev: string): string | undefined {
  const result = gitRaw(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return result.status === 0 ? result.stdout.toString('utf8').trim() : undefined;
}

/** A commit the clone lacks: fetch the branch it should be on once, then ask again. */
function commitOrFetch(cwd: string, rev: string, branch: string | undefined): string | undefined {
  const found = commitOf(cwd, rev);
  if (found || !branch) return found;
  gitRaw(cwd, [
    'fetch',
    '--no-tags',
    '--quiet',
    'origin',
    `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
  ]);
  return commitOf(cwd, rev);
}

interface ResolvedRange {
  readonly base: string | undefined;
  readonly head: string;
  readonly commits: string[];
}

/**
 * Turns the range into commits of this clone. Fails closed: a commit the clone lacks, or a shallow clone
 * whose history may stop inside the range, is an error (exit 2) naming the fetch depth to set, never a
 * silently shorter range.
 */
function resolveCommits(cwd: string, range: CiRange): ResolvedRange {
  const head = commitOrFetch(cwd, range.head, undefined);
  if (!head) throw new FactoryError(messages.ciCommitMissing(range.head), ExitCode.usage);
  const shallow = git(cwd, ['rev-parse', '--is-shallow-repository']).trim() === 'true';
  let base: string | undefined;
  if (range.base !== undefined) {
    base = commitOrFetch(cwd, range.base, range.fetchHint);
    if (!base) throw new FactoryError(messages.ciCommitMissing(range.base), ExitCode.usage);
    if (gitRaw(cwd, ['merge-base', base, head]).status !== 0 && shallow) {
      throw new FactoryError(messages.ciShallow, ExitCode.usage);
    }
  } else if (range.defaultBranch) {
    // A branch pushed for the first time: its commits are those the default branch lacks.
    const tip = commitOrFetch(cwd, `refs/remotes/origin/${range.defaultBranch}`, range.defaultBranch);
    if (tip && tip !== head) base = tip;
  }
  if (base === undefined && shallow) throw new FactoryError(messages.ciShallow, ExitCode.usage);
  const args =
    base === undefined ? ['rev-list', '--reverse', head] : ['rev-list', '--reverse', head, `^${base}`];
  const commits = git(cwd, args).split('\n').filter(Boolean);
  return { base, head, commits };
}

/** What the range changes in the end: the files of `head` that differ from the merge base. */
function netChanges(cwd: string, base: string | undefined, head: string): StagedFile[] {
  const from =
    base === undefined ? undefined : gitRaw(cwd, ['merge-base', base, head]).stdout.toString('utf8').trim();
  const args = from
    ? ['diff-tree', '-r', '-z', '--no-renames', '--diff-filter=ACMRT', from, head]
    : ['ls-tree', '-r', '-z', '--full-tree', head];
  const parts = splitZ(git(cwd, args));
  const files: StagedFile[] = [];
  if (from) {
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const meta = parts[i]!.split(' ');
      files.push({ path: parts[i + 1]!, mode: meta[1]!, blob: meta[3]! });
    }
  } else {
    // ls-tree: `<mode> <type> <object>\t<path>`
    for (const entry of parts) {
      const tab = entry.indexOf('\t');
      const [mode, type, blob] = entry.slice(0, tab).split(' ');
      if (type === 'blob') files.push({ path: entry.slice(tab + 1), mode: mode!, blob: blob! });
    }
  }
  return files;
}

/** Names the commit that brought a finding in, as the pre-push gate does. */
function inCommit(findings: Finding[], blobs: ReadonlyArray<StagedFile & { commit: string }>): Finding[] {
  return findings.map((finding) => {
    const blob = blobs.find((b) => b.path === finding.file);
    return blob
      ? { ...finding, message: `${finding.message} in commit ${blob.commit.slice(0, 10)}` }
      : finding;
  });
}

/**
 * `factory gate ci [--range A..B]`: the pre-commit and pre-push gates over every commit of a pull or
 * merge request, on a CI runner (or by hand).
 *
 * - secrets, forbidden paths and large files in every commit of the range: a commit made with
 *   `git commit --no-verify` is judged here all the same, and history keeps what a later commit removed;
 * - conflict markers in the files as the range leaves them;
 * - the configured tasks on the files the range changed and the pre-push commands, in the checked-out
 *   tree, which must be the range's head; a task that changes a file (an unformatted commit) fails.
 */
export async function ciGate(
  cwd: string,
  config: FactoryConfig,
  skipped: ReadonlySet<string>,
  interrupt: InterruptGuard,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<GateOutcome> {
  const gates = config.gates;
  const range = resolveCiRange(env, args[0]);
  const { base, head, commits } = resolveCommits(cwd, range);
  process.stderr.write(
    `${messages.ciJudging(commits.length, range.source, base ? `${base.slice(0, 10)}..${head.slice(0, 10)}` : head.slice(0, 10))}\n`,
  );
  const log = new CheckLog(skipped);
  const blobs = commitBlobs(cwd, commits);
  readStagedBlobs(cwd, blobs);

  await log.run('secrets', () => {
    const found = inCommit(checkSecrets(blobs, gates.secrets.allowPaths), blobs);
    if (gates.secrets.gitleaks !== 'off' && commits.length > 0) {
      const leaks = runGitleaks(cwd, { range: base ? `${base}..${head}` : head });
      if (!leaks.ran && gates.secrets.gitleaks === 'required') {
        found.push({ check: 'secrets', message: messages.gitleaksMissing, fix: messages.gitleaksMissing });
      } else if (leaks.leaks) {
        process.stderr.write(`${leaks.output}\n`);
        found.push({ check: 'secrets', message: messages.gitleaksFound, fix: messages.secretFix });
      }
    }
    return found;
  });
  const final = netChanges(cwd, base, head);
  readStagedBlobs(cwd, final);
  if (gates.preCommit.conflictMarkers) await log.run('conflict-markers', () => checkConflictMarkers(final));
  await log.run('large-files', () => inCommit(checkLargeFiles(blobs, gates.preCommit.maxFileSizeKb), blobs));
  await log.run('forbidden-paths', () =>
    inCommit(checkForbiddenPaths(blobs, gates.preCommit.forbiddenPaths), blobs),
  );

  const regular = final.filter((file) => file.content !== undefined).map((file) => file.path);
  const groups = matchTasks(gates.preCommit.tasks, regular);
  const wantsTree =
    log.findings.length === 0 &&
    ((groups.length > 0 && !log.isSkipped('tasks')) ||
      (gates.prePush.commands.length > 0 && !log.isSkipped('commands')));
  if (wantsTree) {
    const checkedOut = commitOf(cwd, 'HEAD');
    if (checkedOut !== head) {
      throw new FactoryError(messages.ciHeadNotCheckedOut(checkedOut ?? 'nothing', head), ExitCode.usage);
    }
  }
  if (log.findings.length === 0 && groups.length > 0) {
    await log.run('tasks', async () => {
      const touched = new Set(groups.flatMap((group) => group.files));
      const snapshot = WorkSnapshot.take(cwd, touched);
      const found: Finding[] = [];
      const taskEnvironment = taskEnv(cwd);
      try {
        outer: for (const group of groups) {
          const files = group.files.map((file) => join(cwd, file));
          for (const command of group.commands) {
            if (interrupt.interrupted) break outer;
            process.stderr.write(`factory gate ci: ${command} (${group.files.length} file(s))\n`);
            const result = await runCommand(command, files, cwd, taskEnvironment, interrupt);
            if (result.code !== 0) {
              process.stderr.write(result.output);
              found.push({
                check: 'tasks',
                ...(group.files.length === 1 ? { file: group.files[0]! } : {}),
                message: messages.taskFailed(command, result.code, group.files.length),
                fix: result.code === 127 ? messages.taskNotFound : messages.ciTaskFix,
              });
              break outer;
            }
          }
        }
        // A fixer that changes a file here found a commit that skipped it (e.g. git commit --no-verify).
        for (const path of snapshot.changedFiles()) {
          found.push({
            check: 'tasks',
            file: path,
            message: messages.ciTaskChanged,
            fix: messages.ciTaskFix,
          });
        }
      } finally {
        snapshot.restore();
      }
      return found;
    });
  }
  if (log.findings.length === 0 && gates.prePush.commands.length > 0) {
    await log.run('commands', () => runConfiguredCommands(cwd, gates.prePush.commands, interrupt, 'ci'));
  }
  reportToCi(env, log.findings, commits.length, range.source);
  return { findings: log.findings, checks: log.checks, interrupted: interrupt.interrupted, sha: head };
}

/** GitHub Actions: one error annotation per finding and a line in the job summary. */
function reportToCi(
  env: NodeJS.ProcessEnv,
  findings: readonly Finding[],
  commits: number,
  source: string,
): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  for (const finding of findings) {
    const where = finding.file
      ? `file=${property(finding.file)},${finding.line ? `line=${finding.line},` : ''}`
      : '';
    process.stdout.write(
      `::error ${where}title=${property(`factory ${finding.check}`)}::${escapeData(`${finding.message}; fix: ${finding.fix}`)}\n`,
    );
  }
  if (env.GITHUB_STEP_SUMMARY) {
    const lines = findings.length
      ? [
          `### factory gate ci: refused (${source}, ${commits} commit(s))`,
          '',
          ...findings.map(
            (f) => `- **${f.check}** ${f.file ?? ''}${f.line ? `:${f.line}` : ''} ${f.message}`,
          ),
        ]
      : [`### factory gate ci: passed (${source}, ${commits} commit(s))`];
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, `${lines.join('\n')}\n`);
    } catch {
      // The summary is a courtesy: the check's status and the log carry the verdict.
    }
  }
}
