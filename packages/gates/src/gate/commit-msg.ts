import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError } from '@factory/core/errors';
import { messages } from '../messages.js';
import { CheckLog, type GateOutcome } from './result.js';

/** `factory gate commit-msg FILE`: the first line must match gates.commitMsg.pattern when one is set. */
export async function commitMsgGate(
  cwd: string,
  config: FactoryConfig,
  skipped: ReadonlySet<string>,
  args: readonly string[],
): Promise<GateOutcome> {
  const log = new CheckLog(skipped);
  const { pattern, hint } = config.gates.commitMsg;
  if (!pattern) return { findings: [], checks: [] };
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new FactoryError(messages.commitMsgBadPattern(pattern, (error as Error).message), ExitCode.usage);
  }
  const file = resolve(cwd, args[0] ?? '.git/COMMIT_EDITMSG');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new FactoryError(messages.commitMsgFileMissing(file), ExitCode.usage);
  }
  const first = text.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
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
