import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findClaude } from '@factory/gates/install/claude-version';
import { runClaude } from '../claude/run-claude.js';
import { messages } from '../messages.js';
import type { ModelScript, ScriptedTurn } from '../model-server/script.js';
import { startScriptedModelServer } from '../model-server/server.js';
import { parseSession } from '../transcript/parse.js';
import type { Lane, ProducedSession } from './run.js';
import type { LoadedScenario, ScriptStep } from './scenario.js';
import { prepareWorkspace, type WorkspaceOptions } from './workspace.js';

/** The tools an eval session may use without asking (only hooks and Claude Code's own rules refuse). */
export const defaultAllowedTools = [
  'Bash',
  'Edit',
  'Write',
  'Read',
  'Glob',
  'Grep',
  'MultiEdit',
  'NotebookEdit',
];

/** A scenario's script as the scripted model server plays it: tool steps are turns, text is said. */
export function toModelScript(steps: readonly ScriptStep[]): ModelScript {
  const turns: ScriptedTurn[] = [];
  let pendingText: string | undefined;
  for (const step of steps) {
    if ('tool' in step) {
      turns.push({
        ...(pendingText ? { text: pendingText } : {}),
        toolCalls: [{ name: step.tool, input: { ...step.input } }],
      });
      pendingText = undefined;
    } else pendingText = pendingText ? `${pendingText}\n${step.text}` : step.text;
  }
  return { turns, ...(pendingText ? { finalText: pendingText } : {}) };
}

export interface ClaudeLaneOptions extends WorkspaceOptions {
  readonly claudeBin?: string;
  /** Attempts per scenario (overrides the scenario's `runs`). */
  readonly runs?: number;
  /** Keep each attempt's stream-json here, as `<scenario>.<attempt>.jsonl` (for the recorded lane). */
  readonly sessionsDir?: string;
  /** Keep the workspaces (debugging). */
  readonly keepWorkspaces?: boolean;
}

function saveSession(dir: string | undefined, loaded: LoadedScenario, attempt: number, stdout: string): void {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${loaded.scenario.name}.${attempt + 1}.jsonl`), stdout);
}

async function claudeAttempt(
  loaded: LoadedScenario,
  attempt: number,
  options: ClaudeLaneOptions,
  scripted: boolean,
): Promise<ProducedSession> {
  const { scenario } = loaded;
  const started = performance.now();
  const workspace = prepareWorkspace(loaded, options);
  const cleanup = () => {
    if (!options.keepWorkspaces) workspace.cleanup();
  };
  const server = scripted
    ? await startScriptedModelServer({ script: toModelScript(scenario.script ?? []) })
    : undefined;
  try {
    const claudeBin = findClaude({ explicit: options.claudeBin });
    const maxTurns = scenario.limits?.maxTurns ?? (scripted ? (scenario.script?.length ?? 0) + 2 : 20);
    const maxCost = scenario.limits?.maxCostUsd;
    const extraArgs = [
      // Only the workspace's own settings (factory's hooks), never the user's personal hooks.
      '--setting-sources',
      'project,local',
      ...(scripted ? [] : ['--no-session-persistence']),
      ...(maxCost !== undefined && !scripted ? ['--max-budget-usd', String(maxCost)] : []),
    ];
    let run: Awaited<ReturnType<typeof runClaude>>;
    try {
      run = await runClaude({
        claudeBin,
        cwd: workspace.dir,
        prompt: scenario.prompt,
        maxTurns,
        allowedTools: scenario.allowedTools ?? defaultAllowedTools,
        timeoutMs: (scenario.limits?.timeoutSeconds ?? (scripted ? 120 : 600)) * 1000,
        extraArgs,
        // The live lane talks to whatever model access the user configured (API key, gateway, cloud
        // provider); the scripted lane only to its own server, from a private HOME.
        env: { ...(scripted ? {} : userModelAccess()), PATH: workspace.path, ...gitIdentity },
        ...(server ? { baseUrl: server.url, home: workspace.home } : {}),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(messages.claudeMissing(claudeBin));
      throw error;
    }
    saveSession(options.sessionsDir, loaded, attempt, run.stdout);
    const session = parseSession(run.stdout);
    if (run.timedOut)
      throw new Error(`the session timed out after ${scenario.limits?.timeoutSeconds ?? 'the default'} s`);
    if (!session.result && run.exitCode !== 0) {
      throw new Error(
        `claude exited with ${run.exitCode ?? run.signal}: ${run.stderr.trim().slice(-300) || 'no output'}`,
      );
    }
    const costUsd = session.result?.costUsd;
    return {
      session,
      shell: workspace.shell,
      durationMs: performance.now() - started,
      ...(costUsd !== undefined && !scripted ? { costUsd } : {}),
      ...(server ? { modelRequests: server.requests.map((r) => r.raw) } : {}),
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  } finally {
    await server?.close();
  }
}

/** Commits made in a session get a recognisable identity, whatever the user's git config says. */
const gitIdentity: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: 'factory eval',
  GIT_AUTHOR_EMAIL: 'eval@factory.invalid',
  GIT_COMMITTER_NAME: 'factory eval',
  GIT_COMMITTER_EMAIL: 'eval@factory.invalid',
};

/** The user's own model access settings (ANTHROPIC_*, CLAUDE_CODE_*), passed on to live sessions. */
function userModelAccess(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(ANTHROPIC_|CLAUDE_CODE_USE_|AWS_|GOOGLE_|CLOUD_ML_)/.test(key)) env[key] = value;
  }
  return env;
}

/** The scripted lane: the scenario's script played by the scripted model server through the real CLI. */
export function scriptedLane(options: ClaudeLaneOptions = {}): Lane {
  return {
    name: 'scripted',
    skipReason: (loaded) =>
      loaded.scenario.script ? undefined : messages.scenarioNoScript(loaded.scenario.name),
    attempts: () => options.runs ?? 1,
    produce: (loaded, attempt) => claudeAttempt(loaded, attempt, options, true),
  };
}

/** The live lane: the real model, N attempts in fresh copies of the fixture, within turn and cost limits. */
export function liveLane(options: ClaudeLaneOptions = {}): Lane {
  return {
    name: 'live',
    skipReason: () => undefined,
    attempts: (loaded) => options.runs ?? loaded.scenario.runs ?? 1,
    produce: (loaded, attempt) => claudeAttempt(loaded, attempt, options, false),
  };
}
