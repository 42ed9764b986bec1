import { join } from 'node:path';
import { runFactoryAsync } from './run-cli-async.js';

/** Runs `work` on every item, `size` at a time, and returns the results in the items' order. */
export async function pool<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

/**
 * One tool call through `factory hook pre-tool-use` (the built bin, a fresh process, as Claude Code runs it)
 * in the repository `repo`: the decision it answers. No JSON answer is an allow, unless the hook blocked
 * with exit 2.
 */
export async function hookDecision(
  repo: { readonly dir: string; readonly home: string; readonly env: NodeJS.ProcessEnv },
  tool: string,
  toolInput: Record<string, unknown>,
  sessionId = 'test',
): Promise<string> {
  const input = JSON.stringify({
    session_id: sessionId,
    transcript_path: join(repo.home, 't.jsonl'),
    cwd: repo.dir,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: toolInput,
    tool_use_id: `toolu_${sessionId}`,
  });
  const result = await runFactoryAsync(['hook', 'pre-tool-use'], { cwd: repo.dir, env: repo.env, input });
  const text = result.stdout.trim();
  if (!text.startsWith('{')) return result.status === 2 ? 'deny' : 'allow';
  const output = JSON.parse(text) as { hookSpecificOutput?: { permissionDecision?: string } };
  return output.hookSpecificOutput?.permissionDecision ?? 'allow';
}
