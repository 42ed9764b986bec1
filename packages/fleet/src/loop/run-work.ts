import { ExitCode, FactoryError } from '@factory/core';
import type { RepositoryState } from '@factory/core/state/repository';
import { findClaude } from '@factory/gates/install/claude-version';
import { messages } from '../messages.js';
import { loopConfig, optionalManifest, workerName } from './context.js';
import { renderStatusline } from './statusline.js';
import { type WorkOutcome, workTask } from './work.js';

/** The Claude Code CLI: --claude, FACTORY_CLAUDE, then as `factory eval run` finds it (one finder). */
export function claudeBinary(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  return findClaude({ explicit, env });
}

/** `factory work [TASK]`: resolves its inputs, runs the task, renders the status line. */
export async function runWork(options: {
  readonly state: RepositoryState;
  readonly task?: string;
  readonly claude?: string;
  readonly owner?: string;
  readonly manifest?: string;
  readonly env?: NodeJS.ProcessEnv;
}): Promise<WorkOutcome> {
  const env = options.env ?? process.env;
  const { state } = options;
  let taskId: number | undefined;
  if (options.task !== undefined) {
    if (/^\d+$/.test(options.task)) taskId = Number(options.task);
    else {
      const found = state.tasks.findByKey(options.task);
      if (!found) throw new FactoryError(messages.loop.taskUnknownRef(options.task), ExitCode.usage);
      taskId = found.id;
    }
  }
  const outcome = await workTask({
    state,
    ...(taskId !== undefined ? { taskId } : {}),
    owner: options.owner ?? workerName('work'),
    claudeBin: claudeBinary(options.claude, env),
    config: await loopConfig(state.repoRoot),
    manifest: optionalManifest(options.manifest, env),
    env,
  });
  renderStatusline(env, [state.repoRoot]);
  return outcome;
}
