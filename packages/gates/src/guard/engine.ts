import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { findRepositoryRoot } from '@factory/core/paths';
import { messages } from '../messages.js';
import { guardPresets, userRuleToRule } from './custom-rules.js';
import {
  type Decision,
  decisionRank,
  type Finding,
  type GuardCall,
  type GuardConfig,
  type Rule,
  type RuleInput,
  type Verdict,
} from './policy.js';
import { builtinRules } from './rules.js';
import { analyseShell } from './shell/analyze.js';
import { intendedCommand } from './shell/intended.js';
import { analysePowerShell } from './shell/powershell.js';
import { type ShellSyntaxVerdict, shellRunsNothing } from './shell/shell-syntax.js';
import { ruleAppliesTo, toolRules } from './tool-rules.js';

/**
 * The policy engine: runs every rule that looks at the call's tool, and answers with the strongest
 * finding (deny > ask > allow). Rules disabled in config still run, so that what they would have refused
 * is recorded with the human's reason.
 */

export interface DecideOptions {
  readonly cwd: string;
  readonly config: GuardConfig;
  readonly home?: string;
  readonly repoRoot?: string | undefined;
  /** The agent's environment, for the rules that judge secrets in it (default: env, else process.env). */
  readonly environment?: NodeJS.ProcessEnv | undefined;
  /** The environment the shells of a syntax check run with (the hook's); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Asks the shells about a command our parser cannot parse (shell-syntax.ts; replaceable in tests). */
  readonly shellSyntax?: (command: string, env: NodeJS.ProcessEnv) => ShellSyntaxVerdict;
}

export class GuardInputError extends Error {}

const MAX_SCRIPT_READ = 512 * 1024;

function readSmallFile(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_SCRIPT_READ) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The branch checked out in the repository containing `dir` (no git process: reads HEAD). */
export function currentBranch(dir: string): string | undefined {
  const root = findRepositoryRoot(dir);
  if (!root) return undefined;
  try {
    let gitDir = join(root, '.git');
    if (statSync(gitDir).isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'))?.[1]?.trim();
      if (!pointer) return undefined;
      gitDir = resolve(root, pointer);
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8');
    return /^ref: refs\/heads\/(.+)$/m.exec(head)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function text(
  input: Readonly<Record<string, unknown>>,
  key: string,
  tool: string,
  required: boolean,
): string | undefined {
  const value = input[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new GuardInputError(`${tool} tool_input.${key} must be a string`);
  return value;
}

/** The files a file tool touches, and what it writes into them. */
function filesOf(call: GuardCall, cwd: string): RuleInput['files'] {
  const input = call.input;
  const absolute = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(cwd, path));
  switch (call.tool) {
    case 'Read':
      return [{ path: absolute(text(input, 'file_path', 'Read', true)!), write: false }];
    case 'Write':
      return [
        {
          path: absolute(text(input, 'file_path', 'Write', true)!),
          content: text(input, 'content', 'Write', false) ?? '',
          write: true,
        },
      ];
    case 'Edit':
      return [
        {
          path: absolute(text(input, 'file_path', 'Edit', true)!),
          content: text(input, 'new_string', 'Edit', false) ?? '',
          write: true,
        },
      ];
    case 'MultiEdit': {
      const edits = input.edits;
      if (edits !== undefined && !Array.isArray(edits))
        throw new GuardInputError('MultiEdit tool_input.edits must be an array');
      const content = (edits ?? [])
        .map((edit: unknown) =>
          edit &&
          typeof edit === 'object' &&
          typeof (edit as { new_string?: unknown }).new_string === 'string'
            ? (edit as { new_string: string }).new_string
            : '',
        )
        .join('\n');
      return [{ path: absolute(text(input, 'file_path', 'MultiEdit', true)!), content, write: true }];
    }
    case 'NotebookEdit':
      return [
        {
          path: absolute(text(input, 'notebook_path', 'NotebookEdit', true)!),
          content: text(input, 'new_source', 'NotebookEdit', false) ?? '',
          write: true,
        },
      ];
    default:
      return [];
  }
}

export function activeRules(config: GuardConfig): Rule[] {
  const rules: Rule[] = [...builtinRules, ...toolRules];
  for (const preset of config.presets)
    for (const rule of guardPresets[preset] ?? []) rules.push(userRuleToRule(rule));
  for (const rule of config.rules) rules.push(userRuleToRule(rule));
  return rules;
}

function buildReason(rule: Rule, decision: Decision, detail: string, others: number): string {
  const verb = decision === 'deny' ? 'refused this call' : 'needs the user to confirm this call';
  const more = others > 0 ? ` (and ${others} more finding${others > 1 ? 's' : ''})` : '';
  return `factory guard ${verb}: rule ${rule.id}: ${detail}${more}. Instead: ${rule.alternative}.`;
}

/** Decides one tool call. Throws GuardInputError for a malformed tool input. */
export function decide(call: GuardCall, options: DecideOptions): Verdict {
  const cwd = options.cwd;
  const home = options.home ?? homedir();
  const repoRoot = options.repoRoot ?? findRepositoryRoot(cwd);
  const config = options.config;
  let command: string | undefined;
  let analysis: RuleInput['analysis'];
  if (call.tool === 'Bash' || call.tool === 'PowerShell') {
    command = text(call.input, 'command', call.tool, true)!;
    const context = { cwd, home, repoRoot, readFile: readSmallFile };
    analysis =
      call.tool === 'PowerShell' ? analysePowerShell(command, context) : analyseShell(command, context);
  }
  // A Bash command our parser cannot parse: when the shell cannot either, and so runs none of it, there
  // is nothing to refuse (the model gets the shell's syntax error). Otherwise the refusal stands.
  // What the model is told still follows its intent: a command meant to do what a rule refuses (read with
  // its quote closed: `git reset --hard 'oops`) is refused now with that rule's reason (intended.ts).
  let note: string | undefined;
  if (call.tool === 'Bash' && analysis?.syntaxError !== undefined && command !== undefined) {
    const failure = analysis.syntaxError;
    const shell = (options.shellSyntax ?? shellRunsNothing)(command, options.env ?? process.env);
    if (shell.runsNothing) {
      const intended = intendedCommand(command);
      if (intended !== undefined) {
        const meant = decide(
          { tool: 'Bash', input: { ...call.input, command: intended } },
          { ...options, shellSyntax: () => ({ runsNothing: false, why: 'a reading of a broken command' }) },
        );
        if (meant.decision !== 'allow')
          return {
            ...meant,
            reason: `${meant.reason} ${messages.guardIntentRefused(intended, shell.message)}`,
          };
      }
      note = messages.guardShellRunsNothing(shell.message);
      analysis = { ...analysis, unanalysable: analysis.unanalysable.filter((detail) => detail !== failure) };
    }
  }
  const input: RuleInput = {
    call,
    cwd,
    repoRoot,
    home,
    config,
    analysis,
    command,
    files: filesOf(call, cwd),
    readFile: readSmallFile,
    exists: existsSync,
    currentBranch,
    environment: options.environment ?? options.env,
  };
  const disabled = new Map(config.disable.map((entry) => [entry.rule, entry.reason]));
  const findings: Finding[] = [];
  const rules = activeRules(config);
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  for (const rule of rules) {
    if (!ruleAppliesTo(rule.tools, call.tool)) continue;
    for (const hit of rule.check(input)) {
      const decision = hit.decision ?? rule.decision;
      if (decision === 'allow' && rule.category === 'unanalysable') continue;
      const off = disabled.get(rule.id);
      findings.push({
        rule: rule.id,
        category: rule.category,
        decision,
        detail: hit.detail,
        reason: '',
        ...(off ? { disabled: off } : {}),
      });
    }
  }
  const live = findings.filter((finding) => !finding.disabled);
  const strongest = live.reduce<Finding | undefined>(
    (best, finding) =>
      !best || decisionRank[finding.decision] > decisionRank[best.decision] ? finding : best,
    undefined,
  );
  const withReasons = findings.map((finding) => {
    const rule = byId.get(finding.rule)!;
    return { ...finding, reason: buildReason(rule, finding.decision, finding.detail, 0) };
  });
  if (!strongest || strongest.decision === 'allow') {
    return {
      decision: 'allow',
      findings: withReasons,
      analysis,
      ...(strongest ? { rule: strongest.rule } : {}),
      ...(note ? { note } : {}),
    };
  }
  const rule = byId.get(strongest.rule)!;
  const others = live.filter((finding) => finding !== strongest && finding.decision !== 'allow').length;
  return {
    decision: strongest.decision,
    rule: strongest.rule,
    reason: buildReason(rule, strongest.decision, strongest.detail, others),
    findings: withReasons,
    analysis,
  };
}
