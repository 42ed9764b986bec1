import { join, relative, resolve } from 'node:path';
import { globMatcher } from './paths.js';
import type { Hit, Rule, RuleInput, UserRule } from './policy.js';

/**
 * Tool-choice rules ("use X, not Y") from presets and from the repository's config, turned into Rules.
 * A preset is a named list of such rules; `guard.presets` or the config's `extends` selects them.
 */

export const guardPresets: Record<string, readonly UserRule[]> = {
  python: [
    {
      id: 'python/use-uv',
      description: 'pip install in a uv project',
      tools: ['Bash'],
      match: { program: ['pip', 'pip3'], args: ['install'] },
      when: { exists: ['uv.lock'] },
      decision: 'deny',
      reason:
        'this is a uv project: add dependencies with `uv add PACKAGE` (dev: `uv add --dev PACKAGE`) and run tools with `uv run`',
    },
    {
      id: 'python/use-uv-venv',
      description: 'python -m venv in a uv project',
      tools: ['Bash'],
      match: { program: ['venv', 'virtualenv'] },
      when: { exists: ['uv.lock'] },
      decision: 'deny',
      reason: 'this is a uv project: `uv sync` creates and updates .venv',
    },
  ],
  typescript: [
    {
      id: 'typescript/use-pnpm',
      description: 'npm or yarn install in a pnpm project',
      tools: ['Bash'],
      match: { command: '^(npm (install|i|add|ci)|yarn( add| install)?)(\\s|$)' },
      when: { exists: ['pnpm-lock.yaml'] },
      decision: 'deny',
      reason: 'this is a pnpm project: use `pnpm add PACKAGE` / `pnpm install`',
    },
    {
      id: 'typescript/use-yarn',
      description: 'npm or pnpm install in a yarn project',
      tools: ['Bash'],
      match: { command: '^(npm (install|i|add|ci)|pnpm (add|install|i))(\\s|$)' },
      when: { exists: ['yarn.lock'] },
      decision: 'deny',
      reason: 'this is a yarn project: use `yarn add PACKAGE` / `yarn install`',
    },
    {
      id: 'typescript/use-npm',
      description: 'yarn or pnpm install in an npm project',
      tools: ['Bash'],
      match: { command: '^(yarn( add| install)?|pnpm (add|install|i))(\\s|$)' },
      when: { exists: ['package-lock.json'] },
      decision: 'deny',
      reason: 'this is an npm project (package-lock.json): use `npm install PACKAGE`',
    },
  ],
  base: [],
};

/** Maps `extends` entries (`typescript`, `@factory/preset-python`, `./presets/python.json`) to guard presets. */
export function presetNames(entries: readonly string[]): string[] {
  const names: string[] = [];
  for (const entry of entries) {
    for (const name of Object.keys(guardPresets)) {
      if (entry === name || new RegExp(`(^|[/@-])${name}(\\.json)?$`).test(entry)) names.push(name);
    }
  }
  return [...new Set(names)];
}

const FILE_TOOLS = ['Edit', 'Write', 'MultiEdit', 'NotebookEdit', 'Read'];

export function userRuleToRule(rule: UserRule, category: 'tool-choice' = 'tool-choice'): Rule {
  const match = rule.match;
  const programs =
    match.program === undefined
      ? undefined
      : typeof match.program === 'string'
        ? [match.program]
        : match.program;
  const commandRegex = match.command ? new RegExp(match.command) : undefined;
  const contentRegex = match.content ? new RegExp(match.content, 'm') : undefined;
  const pathMatchers = match.path?.map((glob) => glob);
  const shellRule =
    programs !== undefined ||
    match.args !== undefined ||
    match.argsInclude !== undefined ||
    commandRegex !== undefined;
  const tools = rule.tools ?? (shellRule ? ['Bash', 'PowerShell'] : FILE_TOOLS);
  return {
    id: rule.id,
    category,
    description: rule.description ?? rule.reason,
    decision: rule.decision,
    alternative: rule.reason,
    tools,
    check(input: RuleInput): Hit[] {
      if (!conditionsHold(rule, input)) return [];
      const hits: Hit[] = [];
      if (shellRule) {
        for (const inv of input.analysis?.invocations ?? []) {
          if (programs && !programs.includes(inv.program)) continue;
          const values = inv.args.map((arg) => arg.value ?? arg.raw);
          const operands = values.filter((value) => !value.startsWith('-'));
          if (match.args && !match.args.every((word, i) => operands[i] === word)) continue;
          if (match.argsInclude && !match.argsInclude.every((word) => values.includes(word))) continue;
          if (commandRegex && !commandRegex.test([inv.program, ...values].join(' '))) continue;
          hits.push({ detail: `${[inv.program, ...values].join(' ').slice(0, 120)}` });
        }
      }
      if (pathMatchers || contentRegex) {
        for (const file of input.files) {
          if (pathMatchers && !pathMatchers.some((glob) => matchesRepoGlob(glob, file.path, input))) continue;
          if (contentRegex && !(file.content !== undefined && contentRegex.test(file.content))) continue;
          hits.push({ detail: `${input.call.tool} ${file.path}` });
        }
      }
      return hits;
    },
  };
}

function matchesRepoGlob(glob: string, path: string, input: RuleInput): boolean {
  const root = input.repoRoot ?? input.cwd;
  if (!glob.includes('/')) {
    return globMatcher(resolve('/', glob))(resolve('/', relative(root, path).split('/').at(-1) ?? ''));
  }
  const normalized = glob.replace(/^\.\//, '');
  if (normalized.endsWith('/**')) {
    const folder = resolve(root, normalized.slice(0, -3));
    const rel = relative(folder, path);
    return rel !== '' && !rel.startsWith('..');
  }
  return globMatcher(join(root, normalized))(path);
}

function conditionsHold(rule: UserRule, input: RuleInput): boolean {
  const root = input.repoRoot ?? input.cwd;
  for (const file of rule.when?.exists ?? []) if (!input.exists(resolve(root, file))) return false;
  for (const file of rule.when?.missing ?? []) if (input.exists(resolve(root, file))) return false;
  return true;
}
