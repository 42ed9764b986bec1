import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { runGitleaks } from '../secrets/gitleaks.js';
import { checkSecrets } from './checks.js';
import type { Finding } from './findings.js';
import { git, gitRaw, splitZ } from './git.js';
import { CheckLog, type GateOutcome } from './result.js';
import type { InterruptGuard } from './snapshot.js';
import { readStagedBlobs, type StagedFile } from './staged.js';
import { runCommand } from './tasks.js';
import { findTool, toolOf, toolPath } from './tools.js';

const ZERO = /^0+$/;

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
function refuseOverwriteOfUnfetched(cwd: string, refs: readonly PushedRef[], remote: string): void {
  for (const ref of refs) {
    if (ZERO.test(ref.remoteSha)) continue;
    if (gitRaw(cwd, ['cat-file', '-e', `${ref.remoteSha}^{commit}`]).status === 0) continue;
    throw new FactoryError(
      messages.pushOverwritesUnfetched(ref.remoteRef, remote, ref.remoteSha.slice(0, 10)),
      ExitCode.refused,
    );
  }
}

/** The commits a push sends: new to the remote ref, or (a new branch) to every ref of that remote. */
function pushedCommits(cwd: string, ref: PushedRef, remote: string): string[] {
  if (ZERO.test(ref.localSha)) return []; // a deletion sends no content
  const args = ZERO.test(ref.remoteSha)
    ? ['rev-list', ref.localSha, '--not', `--remotes=${remote}`]
    : ['rev-list', ref.localSha, `^${ref.remoteSha}`];
  return git(cwd, args).split('\n').filter(Boolean);
}

/** Blobs added or changed by each commit (first appearance wins, so a finding names its commit). */
function commitBlobs(cwd: string, commits: readonly string[]): Array<StagedFile & { commit: string }> {
  const seen = new Set<string>();
  const out: Array<StagedFile & { commit: string }> = [];
  for (const commit of commits) {
    const raw = git(cwd, [
      'diff-tree',
      '-r',
      '-z',
      '--root',
      '--no-commit-id',
      '--no-renames',
      '--diff-filter=ACMRT',
      commit,
    ]);
    const parts = splitZ(raw);
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const meta = parts[i]!.split(' ');
      const blob = meta[3]!;
      if (seen.has(blob)) continue;
      seen.add(blob);
      out.push({ path: parts[i + 1]!, mode: meta[1]!, blob, commit });
    }
  }
  return out;
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
  refuseOverwriteOfUnfetched(cwd, refs, remote);
  const commits = [...new Set(refs.flatMap((ref) => pushedCommits(cwd, ref, remote)))];

  await log.run('secrets', () => {
    const blobs = commitBlobs(cwd, commits);
    readStagedBlobs(cwd, blobs);
    const found: Finding[] = checkSecrets(blobs, gates.secrets.allowPaths).map((finding) => {
      const blob = blobs.find((b) => b.path === finding.file);
      return blob
        ? { ...finding, message: `${finding.message} in commit ${blob.commit.slice(0, 10)}` }
        : finding;
    });
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

  if (log.findings.length === 0 && gates.prePush.commands.length > 0 && commits.length > 0) {
    const env = { ...process.env, PATH: toolPath(cwd) };
    await log.run('commands', async () => {
      for (const entry of gates.prePush.commands) {
        const run = typeof entry === 'string' ? entry : entry.run;
        const name = typeof entry === 'string' ? entry : (entry.name ?? entry.run);
        if (interrupt.interrupted) return [];
        const tool = typeof entry === 'string' || !entry.optional ? undefined : toolOf(run);
        if (tool && !findTool(cwd, tool)) {
          process.stderr.write(`${messages.commandSkippedToolMissing(name, tool)}\n`);
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
  }
  const sha = refs.find((ref) => !ZERO.test(ref.localSha))?.localSha;
  return {
    findings: log.findings,
    checks: log.checks,
    interrupted: interrupt.interrupted,
    ...(sha ? { sha } : {}),
  };
}
