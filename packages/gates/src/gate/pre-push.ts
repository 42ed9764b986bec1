import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { factoryDir, stateDbPath } from '@factory/core/paths';
import { messages } from '../messages.js';
import { runGitleaks } from '../secrets/gitleaks.js';
import { type AllowedSecret, scanSecrets } from '../secrets/scan.js';
import { checkSecrets, reportAllowed } from './checks.js';
import type { Finding } from './findings.js';
import { git, gitRaw, splitZ } from './git.js';
import { treeOfIndexFile } from './index-tree.js';
import { CheckLog, type GateOutcome } from './result.js';
import type { InterruptGuard } from './snapshot.js';
import { readStagedBlobs, type StagedFile } from './staged.js';
import { runCommand, taskEnv } from './tasks.js';
import { findTool, toolOf, toolPath } from './tools.js';

const ZERO = /^0+$/;
/** How a commit message is named in findings. */
const messageFile = 'commit message';

interface PushedRef {
  readonly localRef: string;
  readonly localSha: string;
  readonly remoteRef: string;
  readonly remoteSha: string;
}

/** The lines git writes on a pre-push hook's stdin: `<local ref> <local sha> <remote ref> <remote sha>`. */
export function parsePushInput(stdin: string): PushedRef[] {
  return stdin
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({
      localRef: localRef!,
      localSha: localSha!,
      remoteRef: remoteRef!,
      remoteSha: remoteSha!,
    }));
}

/**
 * git asks before a push that is not a fast-forward, so a remote commit this clone does not have reaches
 * the hook only under --force: the push would throw away work nobody here has seen. Refused with that
 * reason and the way out (fetch, look, push again), instead of failing on the unknown object.
 */
function refuseOverwriteOfUnfetched(cwd: string, ref: PushedRef, remote: string): void {
  if (ZERO.test(ref.remoteSha)) return;
  if (gitRaw(cwd, ['cat-file', '-e', `${ref.remoteSha}^{commit}`]).status === 0) return;
  throw new FactoryError(
    messages.pushOverwritesUnfetched(ref.remoteRef, remote, ref.remoteSha.slice(0, 10)),
    ExitCode.refused,
  );
}

/**
 * The commits a push sends: new to the remote ref, or (a new branch) to every ref of that remote. One
 * `git rev-list`; only when it fails is the remote commit looked up (refuseOverwriteOfUnfetched), so the
 * usual push spends no process on that.
 */
function pushedCommits(cwd: string, ref: PushedRef, remote: string): string[] {
  if (ZERO.test(ref.localSha)) {
    refuseOverwriteOfUnfetched(cwd, ref, remote);
    return []; // a deletion sends no content
  }
  const args = ZERO.test(ref.remoteSha)
    ? ['rev-list', ref.localSha, '--not', `--remotes=${remote}`]
    : ['rev-list', ref.localSha, `^${ref.remoteSha}`];
  const out = gitRaw(cwd, args);
  if (out.status !== 0) {
    refuseOverwriteOfUnfetched(cwd, ref, remote);
    throw new Error(`git ${args.join(' ')} failed: ${out.stderr.trim() || `exit ${out.status}`}`);
  }
  return out.stdout.toString('utf8').split('\n').filter(Boolean);
}

/**
 * Blobs added or changed by each commit (first appearance wins, so a finding names its commit), in one
 * `git diff-tree --stdin`. `-m` compares a merge with each of its parents: content that a merge adds (an
 * "evil merge", a conflict resolved with a secret) is in the range too.
 */
export function commitBlobs(cwd: string, commits: readonly string[]): Array<StagedFile & { commit: string }> {
  if (commits.length === 0) return [];
  const raw = git(
    cwd,
    ['diff-tree', '--stdin', '-r', '-z', '-m', '--root', '--no-renames', '--diff-filter=ACMRT'],
    `${commits.join('\n')}\n`,
  );
  const seen = new Set<string>();
  const out: Array<StagedFile & { commit: string }> = [];
  const parts = splitZ(raw);
  let commit = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part.startsWith(':')) {
      commit = part.split(' ')[0]!;
      continue;
    }
    const meta = part.split(' ');
    const path = parts[++i]!;
    const blob = meta[3]!;
    if (seen.has(blob)) continue;
    seen.add(blob);
    out.push({ path, mode: meta[1]!, blob, commit });
  }
  return out;
}

/** The messages of the pushed commits: a token pasted into a message is pushed as surely as a file. */
function commitMessages(cwd: string, commits: readonly string[]): Array<{ commit: string; text: string }> {
  if (commits.length === 0) return [];
  const raw = git(
    cwd,
    ['log', '--no-walk=unsorted', '--stdin', '-z', '--format=%H%n%B'],
    `${commits.join('\n')}\n`,
  );
  return splitZ(raw).map((entry) => {
    const newline = entry.indexOf('\n');
    return { commit: entry.slice(0, newline), text: entry.slice(newline + 1) };
  });
}

export async function prePushGate(
  cwd: string,
  config: FactoryConfig,
  skipped: ReadonlySet<string>,
  interrupt: InterruptGuard,
  args: readonly string[],
  stdin: string,
): Promise<GateOutcome> {
  const gates = config.gates;
  const log = new CheckLog(skipped);
  const remote = args[0] ?? 'origin';
  const refs = parsePushInput(stdin);
  const commits = [...new Set(refs.flatMap((ref) => pushedCommits(cwd, ref, remote)))];

  const allowed: AllowedSecret[] = [];
  await log.run('secrets', () => {
    const blobs = commitBlobs(cwd, commits);
    readStagedBlobs(cwd, blobs);
    const commitOf = (file: string) => blobs.find((b) => b.path === file)?.commit;
    const found: Finding[] = checkSecrets(blobs, gates.secrets.allowPaths, allowed).map((finding) => {
      const commit = finding.file ? commitOf(finding.file) : undefined;
      return commit
        ? { ...finding, message: `${finding.message} in commit ${commit.slice(0, 10)}` }
        : finding;
    });
    for (const { commit, text } of commitMessages(cwd, commits)) {
      const result = scanSecrets(messageFile, text);
      for (const entry of result.allowed)
        allowed.push({ ...entry, file: `${messageFile} of ${commit.slice(0, 10)}` });
      for (const finding of result.findings) {
        found.push({
          check: 'secrets',
          file: `${messageFile} of ${commit.slice(0, 10)}`,
          line: finding.line,
          message: messages.secretFound(finding.what, finding.masked, finding.rule),
          fix: messages.secretInMessageFix,
        });
      }
    }
    if (gates.secrets.gitleaks !== 'off' && commits.length > 0) {
      for (const ref of refs) {
        if (ZERO.test(ref.localSha)) continue;
        const range = ZERO.test(ref.remoteSha)
          ? `${ref.localSha} --not --remotes=${remote}`
          : `${ref.remoteSha}..${ref.localSha}`;
        const leaks = runGitleaks(cwd, { range });
        if (!leaks.ran && gates.secrets.gitleaks === 'required') {
          found.push({ check: 'secrets', message: messages.gitleaksMissing, fix: messages.gitleaksMissing });
          break;
        }
        if (leaks.leaks) {
          process.stderr.write(`${leaks.output}\n`);
          found.push({ check: 'secrets', message: messages.gitleaksFound, fix: messages.secretFix });
        }
      }
    }
    return found;
  });
  log.noteAllowed('secrets', reportAllowed(allowed));

  if (log.findings.length === 0 && gates.prePush.commands.length > 0 && commits.length > 0) {
    const env = { ...process.env, PATH: toolPath(cwd) };
    // The commands test the working tree. When it is exactly a commit's tree (clean, nothing untracked)
    // and the same commands already passed on that tree, they are not run again.
    const tree = cleanTree(cwd);
    const fingerprint = JSON.stringify(gates.prePush.commands);
    const earlier = tree ? await passedOnTree(cwd, tree, fingerprint) : undefined;
    let skippedTool = false;
    if (earlier !== undefined && tree) {
      process.stderr.write(`${messages.commandsAlreadyPassed(tree.slice(0, 10), earlier)}\n`);
      log.checks.push({ name: 'commands', status: 'passed', tree, fingerprint, reusedFrom: earlier });
    } else
      await log.run('commands', async () => {
        for (const entry of gates.prePush.commands) {
          const run = typeof entry === 'string' ? entry : entry.run;
          const name = typeof entry === 'string' ? entry : (entry.name ?? entry.run);
          if (interrupt.interrupted) return [];
          const tool = typeof entry === 'string' || !entry.optional ? undefined : toolOf(run);
          if (tool && !findTool(cwd, tool)) {
            process.stderr.write(`${messages.commandSkippedToolMissing(name, tool)}\n`);
            skippedTool = true;
            continue;
          }
          process.stderr.write(`factory gate pre-push: ${name}\n`);
          const result = await runCommand(run, [], cwd, env, interrupt);
          if (result.code !== 0) {
            process.stderr.write(result.output);
            return [
              {
                check: 'commands',
                message: messages.commandFailed(name, result.code),
                fix: messages.commandFix,
              },
            ];
          }
        }
        return [];
      });
    // A command skipped for a missing tool did not pass: the tree is not recorded as verified then.
    if (tree && !skippedTool && log.findings.length === 0 && !interrupt.interrupted)
      log.annotate('commands', { tree, fingerprint });
  }
  if (log.findings.length === 0 && !interrupt.interrupted && skipped.size === 0)
    markPushed(cwd, remote, refs);
  const sha = refs.find((ref) => !ZERO.test(ref.localSha))?.localSha;
  return {
    findings: log.findings,
    checks: log.checks,
    interrupted: interrupt.interrupted,
    ...(sha ? { sha } : {}),
  };
}

/** The tree of HEAD when the working tree is exactly it (nothing modified, staged or untracked), else undefined. */
function cleanTree(cwd: string): string | undefined {
  const status = gitRaw(cwd, ['status', '--porcelain', '-z', '--untracked-files=normal']);
  if (status.status !== 0 || status.stdout.length > 0) return undefined;
  // Nothing staged: the index's tree is HEAD's, computed from the index file without a process.
  const fromIndex = treeOfIndexFile(cwd);
  if (fromIndex !== undefined) return fromIndex;
  const tree = gitRaw(cwd, ['rev-parse', '--verify', '-q', 'HEAD^{tree}']);
  return tree.status === 0 ? tree.stdout.toString('utf8').trim() : undefined;
}

/** The id of a passed pre-push run whose commands passed on this tree with these commands, if any. */
async function passedOnTree(cwd: string, tree: string, fingerprint: string): Promise<number | undefined> {
  try {
    const [{ StateStore }, { listGateRuns }] = await Promise.all([
      import('@factory/core/state/store'),
      import('../state/gate-runs.js'),
    ]);
    const path = stateDbPath(cwd);
    if (!existsSync(path)) return undefined;
    const store = StateStore.open({ path, leaveOpenAtExit: true });
    try {
      const run = listGateRuns(store, { gate: 'pre-push', limit: 100 }).find(
        (r) =>
          r.status === 'passed' &&
          r.checks.some(
            (c) =>
              c.name === 'commands' &&
              c.status === 'passed' &&
              c.tree === tree &&
              c.fingerprint === fingerprint,
          ),
      );
      return run?.id;
    } finally {
      store.close();
    }
  } catch {
    return undefined; // no record to trust: run the commands
  }
}

/**
 * After a passing push, `.factory/pushed/<remote>/<sha>` for each pushed commit: the pre-push hook's shell
 * lets a push of only such commits to the same remote through without starting node (they are already
 * there, checked). Kept to the newest 200.
 */
function markPushed(cwd: string, remote: string, refs: readonly PushedRef[]): void {
  if (!/^[A-Za-z0-9._-]+$/.test(remote) || remote.startsWith('.')) return;
  try {
    const dir = join(factoryDir(cwd), 'pushed', remote);
    mkdirSync(dir, { recursive: true });
    for (const ref of refs) if (!ZERO.test(ref.localSha)) writeFileSync(join(dir, ref.localSha), '');
    const marks = readdirSync(dir);
    if (marks.length > 200) {
      const byAge = marks
        .map((name) => ({ name, time: statSync(join(dir, name)).mtimeMs }))
        .sort((a, b) => a.time - b.time);
      for (const { name } of byAge.slice(0, marks.length - 200)) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // only speed is lost
  }
}

/**
 * `gates.prePush.commands`, one after the other in the repository (factory gate ci runs them on the
 * checked-out head): the first failure stops them; an optional command whose tool is missing is skipped.
 */
export async function runConfiguredCommands(
  cwd: string,
  commands: FactoryConfig['gates']['prePush']['commands'],
  interrupt: InterruptGuard,
  gate: string,
): Promise<Finding[]> {
  const env = taskEnv(cwd);
  for (const entry of commands) {
    const run = typeof entry === 'string' ? entry : entry.run;
    const name = typeof entry === 'string' ? entry : (entry.name ?? entry.run);
    if (interrupt.interrupted) return [];
    const tool = typeof entry === 'string' || !entry.optional ? undefined : toolOf(run);
    if (tool && !findTool(cwd, tool)) {
      process.stderr.write(`${messages.commandSkippedToolMissing(name, tool)}\n`);
      continue;
    }
    process.stderr.write(`factory gate ${gate}: ${name}\n`);
    const result = await runCommand(run, [], cwd, env, interrupt);
    if (result.code !== 0) {
      process.stderr.write(result.output);
      return [
        { check: 'commands', message: messages.commandFailed(name, result.code), fix: messages.commandFix },
      ];
    }
  }
  return [];
}
