import { join } from 'node:path';
import { type ClaudeRunOptions, type ClaudeRunResult, runClaude } from '@factory/agent/claude/run-claude';
import type { ModelScript } from '@factory/agent/model-server/script';
import { type ScriptedModelServer, startScriptedModelServer } from '@factory/agent/model-server/server';
import { projectRoot } from './run-cli.js';

/** The pinned Claude Code CLI installed as a devDependency (`@anthropic-ai/claude-code`). */
export const claudeBin = join(projectRoot, 'node_modules', '.bin', 'claude');

export interface ScriptedClaudeRun extends ClaudeRunResult {
  readonly server: ScriptedModelServer;
}

/**
 * Plays `script` through the real Claude Code CLI in `cwd`: starts a scripted model server on loopback,
 * runs `claude -p` against it, stops the server. The tools the script calls are allowed up front, so that
 * only hooks (and Claude Code's own protections) can refuse them.
 */
export async function runScriptedClaude(
  options: Omit<ClaudeRunOptions, 'claudeBin' | 'baseUrl'> & { script: ModelScript },
): Promise<ScriptedClaudeRun> {
  const server = await startScriptedModelServer({ script: options.script });
  try {
    const tools = new Set(
      options.script.turns.flatMap((turn) => (turn.toolCalls ?? []).map((call) => call.name)),
    );
    const result = await runClaude({
      allowedTools: [...tools],
      maxTurns: options.script.turns.length + 2,
      ...options,
      claudeBin,
      baseUrl: server.url,
    });
    return { ...result, server };
  } finally {
    await server.close();
  }
}
