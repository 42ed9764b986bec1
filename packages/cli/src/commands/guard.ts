import { ExitCode, FactoryError } from '@factory/core/errors';
import type { CommandModule } from 'yargs';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';

/**
 * `factory guard explain|check|log|allow`: the guard's decisions without Claude Code, its audit log, and
 * the human's one-off allowance. The work is in @factory/gates/guard and @factory/core/state.
 */

interface GuardArgs {
  json?: boolean;
  cwd?: string;
  tool?: string;
  input?: string;
  limit?: number;
  rule?: string;
  reason?: string;
  match?: string;
  uses?: number;
  ttl?: number;
  _: Array<string | number>;
  '--'?: Array<string | number>;
}

async function repositoryRoot(cwd: string): Promise<string> {
  const { findRepositoryRoot } = await import('@factory/core/paths');
  const root = findRepositoryRoot(cwd);
  if (!root) {
    const { coreMessages } = await import('@factory/core');
    throw new FactoryError(coreMessages.notInRepository(cwd), ExitCode.usage);
  }
  return root;
}

async function show(tool: string, input: Record<string, unknown>, argv: GuardArgs): Promise<void> {
  const { explainCall } = await import('@factory/gates/guard/explain');
  const cwd = argv.cwd ?? process.cwd();
  const explanation = await explainCall({ tool, input }, cwd);
  process.exitCode = explanation.decision === 'allow' ? ExitCode.ok : ExitCode.refused;
  if (argv.json) {
    printJson(explanation);
    return;
  }
  printLine(`decision: ${explanation.decision}${explanation.rule ? ` (rule ${explanation.rule})` : ''}`);
  if (explanation.reason) printLine(`reason:   ${explanation.reason}`);
  if (explanation.note) printLine(`note:     ${explanation.note}`);
  if (explanation.invocations) {
    printLine('runs:');
    for (const inv of explanation.invocations) {
      const via = inv.via.length > 0 ? `   [via ${inv.via.join(' > ')}]` : '';
      printLine(`  ${[inv.program, ...inv.args].join(' ')}${via}`);
    }
  }
  for (const note of explanation.unanalysable ?? []) printLine(`cannot analyse: ${note}`);
  for (const note of explanation.networkExec ?? []) printLine(`network code: ${note}`);
  for (const code of explanation.opaqueCode ?? []) printLine(`inline ${code.language}: ${code.where}`);
  for (const finding of explanation.findings) {
    const off = finding.disabled ? ` (disabled in config: ${finding.disabled})` : '';
    printLine(`finding: ${finding.decision} by ${finding.rule}: ${finding.detail}${off}`);
  }
}

export const guardCommand: CommandModule = {
  command: 'guard <command>',
  describe: "show the guard's decisions without Claude Code, its audit log, and one-off allowances",
  builder: (y) =>
    y
      .command(
        'explain [words..]',
        'analyse a shell command and show the decision and the rule: factory guard explain -- COMMAND...',
        (c) => c.parserConfiguration({ 'populate--': true }),
        async (args) => {
          const argv = args as unknown as GuardArgs & { words?: Array<string | number> };
          const words = [...(argv.words ?? []), ...(argv['--'] ?? [])].map(String);
          if (words.length === 0) throw new FactoryError(messages.guardExplainEmpty, ExitCode.usage);
          await show('Bash', { command: words.join(' ') }, argv);
        },
      )
      .command(
        'check',
        'decide one tool call: factory guard check --tool Bash --input \'{"command":"git push -f"}\'',
        (c) =>
          c
            .option('tool', {
              type: 'string',
              demandOption: true,
              describe: 'tool name, e.g. Bash, Edit, Write',
            })
            .option('input', { type: 'string', demandOption: true, describe: 'the tool input as JSON' }),
        async (args) => {
          const argv = args as unknown as GuardArgs;
          let input: unknown;
          try {
            input = JSON.parse(String(argv.input));
          } catch (error) {
            throw new FactoryError(messages.guardInputNotJson((error as Error).message), ExitCode.usage);
          }
          if (input === null || typeof input !== 'object' || Array.isArray(input)) {
            throw new FactoryError(messages.guardInputNotObject, ExitCode.usage);
          }
          try {
            await show(String(argv.tool), input as Record<string, unknown>, argv);
          } catch (error) {
            if (
              error instanceof Error &&
              error.name !== 'FactoryError' &&
              error.constructor.name === 'GuardInputError'
            )
              throw new FactoryError(messages.guardInputInvalid(error.message), ExitCode.usage);
            throw error;
          }
        },
      )
      .command(
        'log',
        'list recorded guard decisions, newest first',
        { limit: { type: 'number', default: 50, describe: 'how many decisions to list' } },
        async (args) => {
          const argv = args as unknown as GuardArgs;
          const root = await repositoryRoot(argv.cwd ?? process.cwd());
          const { stateDbPath } = await import('@factory/core/paths');
          const { existsSync } = await import('node:fs');
          let rows: import('@factory/gates/state/guard-decisions').GuardDecisionRecord[] = [];
          if (existsSync(stateDbPath(root))) {
            const { StateStore } = await import('@factory/core/state/store');
            const { listGuardDecisions } = await import('@factory/gates/state/guard-decisions');
            const store = StateStore.open({ path: stateDbPath(root), readOnly: true });
            try {
              rows = listGuardDecisions(store, { limit: argv.limit ?? 50 });
            } finally {
              store.close();
            }
          }
          if (argv.json) {
            printJson(rows);
            return;
          }
          if (rows.length === 0) {
            printLine('no guard decisions recorded yet.');
            return;
          }
          for (const row of rows) {
            const allowance = row.allowanceId ? `  (let through by allowance #${row.allowanceId})` : '';
            printLine(
              `${row.at}  ${row.decision.padEnd(5)} ${(row.rule ?? '-').padEnd(20)} ${row.tool.padEnd(6)} ${row.inputSummary.slice(0, 100)}${allowance}`,
            );
          }
        },
      )
      .command(
        'allow',
        'a human allows refused calls once: factory guard allow --rule ID --reason "why" [--match TEXT]',
        (c) =>
          c
            .option('rule', {
              type: 'string',
              demandOption: true,
              describe: 'the id of the rule that refused',
            })
            .option('reason', { type: 'string', demandOption: true, describe: 'why (recorded)' })
            .option('tool', { type: 'string', describe: 'only for this tool (Bash, Edit, ...)' })
            .option('match', { type: 'string', describe: 'only calls whose input contains this text' })
            .option('uses', { type: 'number', default: 1, describe: 'how many calls it lets through' })
            .option('ttl', { type: 'number', default: 30, describe: 'minutes until it expires' }),
        async (args) => {
          const argv = args as unknown as GuardArgs;
          const cwd = argv.cwd ?? process.cwd();
          const root = await repositoryRoot(cwd);
          const reason = String(argv.reason ?? '').trim();
          if (reason.length === 0) throw new FactoryError(messages.guardAllowNeedsReason, ExitCode.usage);
          const uses = Number(argv.uses ?? 1);
          const ttl = Number(argv.ttl ?? 30);
          if (!Number.isInteger(uses) || uses < 1 || uses > 100)
            throw new FactoryError(messages.guardAllowBadNumber('--uses', '1 to 100'), ExitCode.usage);
          if (!(ttl > 0 && ttl <= 24 * 60))
            throw new FactoryError(
              messages.guardAllowBadNumber('--ttl', '1 to 1440 minutes'),
              ExitCode.usage,
            );
          const { ruleCategory, isHumanOnly } = await import('@factory/gates/guard/explain');
          const rule = String(argv.rule);
          const category = await ruleCategory(rule, cwd);
          if (!category) throw new FactoryError(messages.guardAllowUnknownRule(rule), ExitCode.usage);
          // The agent's shell has no terminal: gate-skipping and secret rules only yield to a human at one.
          const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
          if (isHumanOnly(category) && !interactive)
            throw new FactoryError(messages.guardAllowNeedsTerminal(rule, category), ExitCode.refused);
          const { stateDbPath } = await import('@factory/core/paths');
          const { StateStore } = await import('@factory/core/state/store');
          const { grantGuardAllowance } = await import('@factory/gates/state/guard-decisions');
          const { userInfo } = await import('node:os');
          const store = StateStore.open({ path: stateDbPath(root) });
          try {
            const allowance = grantGuardAllowance(store, {
              rule,
              tool: argv.tool,
              pattern: argv.match,
              reason,
              grantedBy: `${userInfo().username}${interactive ? ' (terminal)' : ''}`,
              ttlSeconds: Math.round(ttl * 60),
              uses,
            });
            if (argv.json) printJson(allowance);
            else
              printLine(
                `allowance #${allowance.id}: rule ${rule} lets ${uses} call${uses > 1 ? 's' : ''}${argv.match ? ` containing "${argv.match}"` : ''} through until ${allowance.expiresAt} (reason: ${reason}).`,
              );
          } finally {
            store.close();
          }
        },
      )
      .demandCommand(1, 'name a guard command'),
  handler: () => {},
};
