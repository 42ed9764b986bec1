import { readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { protectedReason, secretGlobReason, secretReason } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import { findSecrets } from './secrets.js';

/**
 * Rules for the tools that are neither a shell nor a file editor: Grep prints file contents, Glob lists
 * files, WebFetch and WebSearch send a URL or a query out, Agent/Task hands a prompt to a subagent, and MCP
 * tools (`mcp__<server>__<tool>`) do whatever their server does, writing files and pushing included.
 * Claude Code's sandbox covers none of them (it covers Bash and its children), so the guard must.
 */

/** Matches every MCP tool in a rule's `tools` list (see ruleAppliesTo). */
export const MCP_TOOLS = 'mcp__*';

/** Whether a rule listing `tools` looks at `tool`. */
export function ruleAppliesTo(tools: readonly string[], tool: string): boolean {
  return tools.includes(tool) || (tool.startsWith('mcp__') && tools.includes(MCP_TOOLS));
}

function str(input: RuleInput, key: string): string | undefined {
  const value = input.call.input[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function absolute(input: RuleInput, path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(input.cwd, path);
}

/** Secret files directly in `dir` (`.env`, `.env.local`, keys): what a content search there would print. */
function secretFilesIn(input: RuleInput, dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => secretReason(join(dir, name), { repoRoot: input.repoRoot, home: input.home }))
      .slice(0, 3);
  } catch {
    return [];
  }
}

const grepSecrets: Rule = {
  id: 'grep-secrets',
  category: 'secrets',
  description: 'Grep that would print the contents of .env files, private keys or credential files',
  decision: 'deny',
  alternative:
    'Search the code, not the secrets: give Grep a path or a glob that leaves out .env files and keys (use .env.example for the variable names)',
  tools: ['Grep'],
  check(input) {
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    const hits: Hit[] = [];
    const path = str(input, 'path');
    const target = path ? absolute(input, path) : input.cwd;
    const fileReason = secretReason(target, ctx);
    if (fileReason) return [{ detail: `Grep ${path}: ${fileReason}` }];
    const glob = str(input, 'glob');
    if (glob) {
      const reason = secretGlobReason(resolve(target, glob), ctx) ?? secretReason(resolve(target, glob), ctx);
      if (reason) hits.push({ detail: `Grep glob ${glob}: ${reason}` });
    }
    // Only the content mode prints lines; the default lists file names.
    if (hits.length === 0 && str(input, 'output_mode') === 'content') {
      const found = glob ? [] : secretFilesIn(input, target);
      if (found.length > 0)
        hits.push({ detail: `Grep in ${path ?? '.'} would print the lines of ${found.join(', ')}` });
    }
    return hits;
  },
};

const globSecrets: Rule = {
  id: 'glob-secrets',
  category: 'secrets',
  description: 'Glob in ~/.ssh, ~/.aws and other folders of credentials',
  decision: 'deny',
  alternative: 'List the project, not the credentials folders of the home folder',
  tools: ['Glob'],
  check(input) {
    const path = str(input, 'path');
    if (!path) return [];
    const target = absolute(input, path);
    const h = input.home;
    for (const folder of ['.ssh', '.aws', '.gnupg', '.docker', '.kube']) {
      const root = join(h, folder);
      if (target === root || target.startsWith(`${root}/`)) return [{ detail: `Glob in ${target}` }];
    }
    return [];
  },
};

const URL_SCHEME = /^([a-z][a-z0-9+.-]*):/i;

const webExfiltration: Rule = {
  id: 'web-exfiltration',
  category: 'secrets',
  description:
    'a token or key sent out in a WebFetch URL or prompt, a WebSearch query or a subagent prompt; file: URLs',
  decision: 'deny',
  alternative:
    'Never put credentials into a URL, a query or a prompt: code reads them from the environment at run time',
  tools: ['WebFetch', 'WebSearch', 'Agent', 'Task'],
  check(input) {
    const hits: Hit[] = [];
    const tool = input.call.tool;
    if (tool === 'WebFetch') {
      const url = str(input, 'url') ?? '';
      const scheme = URL_SCHEME.exec(url)?.[1]?.toLowerCase();
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
        hits.push({ detail: `WebFetch of a ${scheme}: URL (${url.slice(0, 80)})` });
    }
    for (const key of ['url', 'prompt', 'query', 'description']) {
      const value = str(input, key);
      if (!value) continue;
      const found = findSecrets(value);
      if (found.length > 0) hits.push({ detail: `${tool} ${key} carries ${found.join(', ')}` });
    }
    return hits;
  },
};

/** Every string in a JSON value, with the key it sits under (depth-bounded: the input is the model's). */
function strings(
  value: unknown,
  key = '',
  depth = 0,
  out: Array<[string, string]> = [],
): Array<[string, string]> {
  if (depth > 8 || out.length > 2000) return out;
  if (typeof value === 'string') out.push([key, value]);
  else if (Array.isArray(value)) for (const item of value) strings(item, key, depth + 1, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) strings(v, k, depth + 1, out);
  return out;
}

const PATH_KEY = /(^|_)(path|paths|file|files|filename|file_?path|dir|directory|destination|source|target)$/i;
/** MCP tool names are verb first (`push_files`, `git_commit`, `merge_pull_request`, `get_commit`). */
const GIT_CHANGE =
  /^(git[_-])?(push|merge|commit|force|update[_-]?ref|reset|rebase|delete[_-]?branch|create[_-]?or[_-]?update[_-]?file|delete[_-]?file)([_-]|$)/i;
const RUNS_COMMANDS = /^(exec|execute|shell|run|terminal|eval|bash|sh)([_-]|$)/i;

const mcpTools: Rule = {
  id: 'mcp-tools',
  category: 'gate-skip',
  description:
    'MCP tools that commit, push or merge (outside the git hooks), run commands, or touch control files or secrets',
  decision: 'deny',
  alternative:
    'Change the repository through Bash with git, where the gates and the guard run; read and write files with the Read and Edit tools',
  tools: [MCP_TOOLS],
  check(input) {
    const tool = input.call.tool;
    const name = tool.split('__').slice(2).join('__') || tool;
    const hits: Hit[] = [];
    if (GIT_CHANGE.test(name))
      hits.push({ detail: `${tool} changes a repository without its git hooks (commit, push or merge)` });
    else if (RUNS_COMMANDS.test(name))
      hits.push({
        detail: `${tool} runs commands the guard cannot see`,
        decision: input.config.unanalysable,
      });
    const ctx = { repoRoot: input.repoRoot, home: input.home };
    for (const [key, value] of strings(input.call.input)) {
      if (PATH_KEY.test(key) && value.length < 4096 && !/^[a-z+]+:\/\//i.test(value)) {
        const path = absolute(input, value);
        const reason = secretReason(path, ctx) ?? protectedReason(path, ctx, false);
        if (reason) hits.push({ detail: `${tool} ${key} ${value}: ${reason}` });
      }
      const found = findSecrets(value);
      if (found.length > 0) hits.push({ detail: `${tool} ${key || 'input'} carries ${found.join(', ')}` });
    }
    return hits;
  },
};

export const toolRules: readonly Rule[] = [grepSecrets, globSecrets, webExfiltration, mcpTools];
