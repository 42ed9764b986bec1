import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { type AllowedSecret, scanSecrets } from '../secrets/scan.js';
import { reportAllowed } from './checks.js';
import { CheckLog, type GateOutcome } from './result.js';

/**
 * `factory gate commit-msg FILE`: no secret in the message (a token pasted into a message is pushed as
 * surely as a file), and the first line must match gates.commitMsg.pattern when one is set.
 */
export async function commitMsgGate(
  cwd: string,
  config: FactoryConfig,
  skipped: ReadonlySet<string>,
  args: readonly string[],
): Promise<GateOutcome> {
  const log = new CheckLog(skipped);
  const { pattern, hint } = config.gates.commitMsg;
  let regex: RegExp | undefined;
  try {
    regex = pattern ? new RegExp(pattern) : undefined;
  } catch (error) {
    throw new FactoryError(messages.commitMsgBadPattern(pattern!, (error as Error).message), ExitCode.usage);
  }
  const file = resolve(cwd, args[0] ?? '.git/COMMIT_EDITMSG');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FactoryError(messages.commitMsgFileMissing(file), ExitCode.usage);
  }
  // What git keeps of the message: comment lines and the verbose diff below the scissors go.
  const kept = text
    .split(/^# -+ >8 -+$/m)[0]!
    .split('\n')
    .map((line) => (line.startsWith('#') ? '' : line))
    .join('\n');
  const allowed: AllowedSecret[] = [];
  await log.run('secrets', () => {
    const result = scanSecrets('commit message', kept);
    allowed.push(...result.allowed);
    return result.findings.map((finding) => ({
      check: 'secrets' as const,
      file: 'commit message',
      line: finding.line,
      message: messages.secretFound(finding.what, finding.masked, finding.rule),
      fix: finding.markerWithoutReason ? messages.secretMarkerNeedsReason : messages.secretInMessageFix,
    }));
  });
  log.noteAllowed('secrets', reportAllowed(allowed));
  if (!regex || !pattern) return { findings: log.findings, checks: log.checks };
  const first = kept.split('\n').find((line) => line.trim() !== '') ?? '';
  await log.run('commit-msg', () =>
    regex.test(first)
      ? []
      : [
          {
            check: 'commit-msg',
            message: messages.commitMsgMismatch(pattern),
            fix: messages.commitMsgFix(hint),
          },
        ],
  );
  return { findings: log.findings, checks: log.checks };
}
