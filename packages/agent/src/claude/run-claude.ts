import { spawn } from 'node:child_process';

/**
 * Runs the real Claude Code CLI once in print mode with stream-json output:
 *   claude -p PROMPT --output-format stream-json --verbose
 * Asynchronous on purpose: the scripted model server usually lives in the same process and must keep
 * answering while Claude Code runs.
 */
export interface ClaudeRunOptions {
  /** The `claude` executable. */
  readonly claudeBin: string;
  /** The workspace Claude Code runs in (its hooks come from `.claude/settings*.json` there). */
  readonly cwd: string;
  readonly prompt: string;
  /** ANTHROPIC_BASE_URL: a scripted model server for offline runs; absent for live runs. */
  readonly baseUrl?: string;
  /** A private HOME, so that the user's own ~/.claude settings and transcripts stay out of the run. */
  readonly home?: string;
  readonly maxTurns?: number;
  readonly allowedTools?: readonly string[];
  readonly permissionMode?: 'default' | 'acceptEdits' | 'plan' | 'bypassPermissions' | 'dontAsk';
  readonly extraArgs?: readonly string[];
  /** Extra environment, applied last. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface ClaudeRunResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Every stdout line that parsed as a JSON object, in order. */
  readonly events: ReadonlyArray<Record<string, unknown>>;
  /** The last `{"type":"result"}` event, when Claude Code got that far. */
  readonly result: Record<string, unknown> | undefined;
}

/** The environment of a Claude Code run: the caller's, less anything that would steer it elsewhere. */
export function claudeEnvironment(
  options: Pick<ClaudeRunOptions, 'baseUrl' | 'home' | 'env'>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(ANTHROPIC_|CLAUDE)/.test(key)) continue;
    env[key] = value;
  }
  env.DISABLE_AUTOUPDATER = '1';
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  env.DISABLE_TELEMETRY = '1';
  if (options.baseUrl) {
    env.ANTHROPIC_BASE_URL = options.baseUrl;
    env.ANTHROPIC_API_KEY = 'scripted-model-server';
  } else if (process.env.ANTHROPIC_API_KEY) {
    env.ANTHROPIC_API_KEY = process.env.ANTHROPIC_API_KEY;
  }
  if (options.home) {
    env.HOME = options.home;
    env.XDG_CONFIG_HOME = `${options.home}/.config`;
  }
  return { ...env, ...options.env };
}

export function claudeArguments(options: ClaudeRunOptions): string[] {
  const args = ['-p', options.prompt, '--output-format', 'stream-json', '--verbose'];
  if (options.maxTurns !== undefined) args.push('--max-turns', String(options.maxTurns));
  if (options.permissionMode) args.push('--permission-mode', options.permissionMode);
  if (options.allowedTools && options.allowedTools.length > 0)
    args.push('--allowedTools', options.allowedTools.join(','));
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Parses stream-json output: one JSON object a line; anything else is skipped, never fatal. */
export function parseStreamJson(stdout: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of stdout.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value = JSON.parse(trimmed) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value))
        events.push(value as Record<string, unknown>);
    } catch {
      // a partial or foreign line: stream-json is read defensively
    }
  }
  return events;
}

export function runClaude(options: ClaudeRunOptions): Promise<ClaudeRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.claudeBin, claudeArguments(options), {
      cwd: options.cwd,
      env: claudeEnvironment(options),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const events = parseStreamJson(stdout);
      const result = [...events].reverse().find((event) => event.type === 'result');
      resolve({ exitCode, signal, timedOut, stdout, stderr, events, result });
    });
  });
}
