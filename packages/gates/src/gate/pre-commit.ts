import type { FactoryConfig } from '@factory/core/config/types';
import { messages } from '../messages.js';
import { runGitleaks } from '../secrets/gitleaks.js';
import type { AllowedSecret } from '../secrets/scan.js';
import {
  checkConflictMarkers,
  checkForbiddenPaths,
  checkLargeFiles,
  checkSecrets,
  reportAllowed,
} from './checks.js';
import { CheckLog, type GateOutcome } from './result.js';
import type { InterruptGuard } from './snapshot.js';
import { listStagedFiles, readStagedBlobs, type StagedFile } from './staged.js';
import { matchTasks, runTasks, skipMissingOptional } from './tasks.js';

/**
 * `factory gate pre-commit`: the built-in checks on the staged blobs first (cheap, and a failure touches
 * nothing), then the configured tasks on the staged files.
 */
export async function preCommitGate(
  cwd: string,
  config: FactoryConfig,
  skipped: ReadonlySet<string>,
  interrupt: InterruptGuard,
  staged?: () => Promise<StagedFile[]>,
): Promise<GateOutcome> {
  const gates = config.gates;
  const log = new CheckLog(skipped);
  const files = staged ? await staged() : listStagedFiles(cwd);
  readStagedBlobs(cwd, files);

  const allowed: AllowedSecret[] = [];
  await log.run('secrets', () => {
    const found = checkSecrets(files, gates.secrets.allowPaths, allowed);
    if (gates.secrets.gitleaks !== 'off' && files.length > 0) {
      const leaks = runGitleaks(cwd, { staged: true });
      if (!leaks.ran && gates.secrets.gitleaks === 'required') {
        found.push({ check: 'secrets', message: messages.gitleaksMissing, fix: messages.gitleaksMissing });
      } else if (leaks.leaks) {
        process.stderr.write(`${leaks.output}\n`);
        found.push({ check: 'secrets', message: messages.gitleaksFound, fix: messages.secretFix });
      }
    }
    return found;
  });
  log.noteAllowed('secrets', reportAllowed(allowed));
  if (gates.preCommit.conflictMarkers) await log.run('conflict-markers', () => checkConflictMarkers(files));
  await log.run('large-files', () => checkLargeFiles(files, gates.preCommit.maxFileSizeKb));
  await log.run('forbidden-paths', () => checkForbiddenPaths(files, gates.preCommit.forbiddenPaths));
  if (log.findings.length > 0) return { findings: log.findings, checks: log.checks };

  // Tasks get regular files only (as lint-staged does); symlinks and submodules have no content to fix.
  const regular = files.filter((file) => file.content !== undefined);
  const matched = matchTasks(
    gates.preCommit.tasks,
    regular.map((file) => file.path),
  );
  const { run: groups, skipped: notInstalled } = skipMissingOptional(cwd, matched);
  for (const { group, tool } of notInstalled) {
    process.stderr.write(
      `${messages.taskSkippedToolMissing(group.commands.join(' && '), group.glob, tool)}\n`,
    );
  }
  let restored: GateOutcome['restored'];
  let indexTree: string | undefined;
  if (groups.length > 0) {
    await log.run('tasks', async () => {
      const touched = new Set(groups.flatMap((group) => group.files));
      const outcome = await runTasks(
        cwd,
        groups,
        regular
          .filter((file) => touched.has(file.path))
          .map((file) => ({ path: file.path, staged: file.content! })),
        interrupt,
      );
      restored = outcome.restored;
      indexTree = outcome.indexTree;
      return outcome.findings;
    });
  }
  return {
    findings: log.findings,
    checks: log.checks,
    interrupted: interrupt.interrupted,
    ...(restored ? { restored } : {}),
    ...(indexTree ? { indexTree } : {}),
  };
}
