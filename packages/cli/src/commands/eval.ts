import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { compareEvalRuns } from '@factory/agent/eval/compare';
import { evalCoverage } from '@factory/agent/eval/coverage';
import { loadScenarios } from '@factory/agent/eval/discover';
import { liveLane, scriptedLane } from '@factory/agent/eval/lanes';
import type { ScenarioOutcome } from '@factory/agent/eval/outcome';
import { formatJunit, formatTable } from '@factory/agent/eval/report';
import { type Lane, recordedLane, runScenarios } from '@factory/agent/eval/run';
import { recordEvalRun } from '@factory/agent/state/eval-runs';
import { ExitCode, FactoryError, findRepositoryRoot } from '@factory/core';
import { guardHookEntries } from '@factory/gates/guard/hook-entries';
import { listShippedSkills, shippedSkillsDir } from '@factory/gates/skills/shipped';
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import { factoryBinPath } from '../bin-path.js';
import { messages } from '../messages.js';
import { printJson, printLine } from '../output.js';
import { type GlobalArgs, repositoryRoot, startDir, withState } from './eval-support.js';

interface RunArgs extends GlobalArgs {
  files?: string[];
  transcript?: string;
  live?: boolean;
  runs?: number;
  junit?: string;
  maxCost?: number;
  claude?: string;
  saveSessions?: string;
  keepWorkspaces?: boolean;
  concurrency?: number;
}

/** The scenarios named on the command line, or the repository's evals/ folder. */
function scenarioPaths(argv: { files?: string[] }, dir: string): string[] {
  if (argv.files && argv.files.length > 0) return argv.files;
  const root = findRepositoryRoot(dir) ?? dir;
  return [join(root, 'evals')];
}

/** factory's own hook entries, pointing at this very bin: what `setup.guard` installs in a workspace. */
const binPath = () => factoryBinPath();

function hookSettings(): Record<string, unknown> {
  return { hooks: guardHookEntries({ nodePath: process.execPath, binPath: binPath() }) };
}

function chooseLane(argv: RunArgs, dir: string): Lane {
  if (argv.transcript && argv.live) throw new FactoryError(messages.evalLaneConflict, ExitCode.usage);
  if (argv.runs !== undefined && (!Number.isInteger(argv.runs) || argv.runs < 1)) {
    throw new FactoryError(messages.evalBadRuns(String(argv.runs)), ExitCode.usage);
  }
  if (argv.maxCost !== undefined && !(argv.maxCost > 0)) {
    throw new FactoryError(messages.evalBadMaxCost(String(argv.maxCost)), ExitCode.usage);
  }
  if (argv.transcript) return recordedLane(resolve(dir, argv.transcript));
  const options = {
    skillsDir: shippedSkillsDir(),
    hookSettings: hookSettings(),
    factoryCommand: { nodePath: process.execPath, binPath: binPath() },
    ...(argv.runs !== undefined ? { runs: argv.runs } : {}),
    ...(argv.claude ? { claudeBin: argv.claude } : {}),
    ...(argv.saveSessions ? { sessionsDir: resolve(dir, argv.saveSessions) } : {}),
    ...(argv.keepWorkspaces ? { keepWorkspaces: true } : {}),
  };
  return argv.live ? liveLane(options) : scriptedLane(options);
}

function toJson(outcome: ScenarioOutcome) {
  const { attemptsDetail, ...rest } = outcome;
  return { ...rest, attemptsDetail: attemptsDetail.map((a) => ({ ...a })) };
}

async function run(argv: ArgumentsCamelCase<RunArgs>): Promise<void> {
  const dir = startDir(argv);
  const scenarios = loadScenarios(scenarioPaths(argv, dir), dir);
  const lane = chooseLane(argv, dir);
  const startedAt = new Date().toISOString();
  if (argv.concurrency !== undefined && (!Number.isInteger(argv.concurrency) || argv.concurrency < 1)) {
    throw new FactoryError(messages.evalBadConcurrency(String(argv.concurrency)), ExitCode.usage);
  }
  // Scripted sessions mostly wait on processes: two at a time per core pair is a good default. Live
  // sessions default to one at a time, so that the cost limit is checked before each one.
  const concurrency =
    argv.concurrency ?? (lane.name === 'scripted' ? Math.min(4, Math.max(2, availableParallelism())) : 1);
  const outcomes = await runScenarios(scenarios, lane, {
    concurrency,
    ...(argv.maxCost !== undefined ? { maxCostUsd: argv.maxCost } : {}),
    ...(argv.json
      ? {}
      : { onOutcome: (o: ScenarioOutcome) => process.stderr.write(`${o.status} ${o.scenario}\n`) }),
  });
  const finishedAt = new Date().toISOString();
  const claudeVersion =
    outcomes.flatMap((o) => o.attemptsDetail).find((a) => a.claudeCodeVersion)?.claudeCodeVersion ?? null;
  // Every run is recorded in the state of the repository it ran from (when there is one).
  const root = findRepositoryRoot(dir);
  const record = root
    ? withState(root, (store) =>
        recordEvalRun(store, {
          startedAt,
          finishedAt,
          lane: lane.name,
          claudeVersion,
          results: outcomes.map(({ attemptsDetail: _a, skipReason: _s, ...r }) => r),
        }),
      )
    : undefined;
  if (argv.junit) writeFileSync(resolve(dir, argv.junit), formatJunit(outcomes, lane.name));
  if (argv.json)
    printJson({
      runId: record?.id ?? null,
      lane: lane.name,
      claudeVersion,
      startedAt,
      finishedAt,
      scenarios: outcomes.map(toJson),
    });
  else printLine(formatTable(outcomes, lane.name));
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = ExitCode.refused;
}

function compare(argv: ArgumentsCamelCase<GlobalArgs>): void {
  const root = repositoryRoot(argv);
  const comparisons = withState(root, (store) => compareEvalRuns(store));
  const regressed = comparisons.filter((c) => c.change === 'regressed' || c.change === 'dropped');
  if (argv.json) printJson({ scenarios: comparisons, regressed: regressed.map((c) => c.scenario) });
  else if (comparisons.length === 0) printLine(messages.evalNoRuns);
  else {
    for (const c of comparisons) {
      const before = c.previous ? `${Math.round(c.previous.passRate * 100)}% (run ${c.previous.runId})` : '-';
      const now = `${Math.round(c.current.passRate * 100)}% (run ${c.current.runId})`;
      printLine(`${c.change.padEnd(10)} ${c.scenario.padEnd(36)} ${before} -> ${now}`);
    }
    printLine(messages.evalCompareSummary(regressed.length, comparisons.length));
  }
  if (regressed.length > 0) process.exitCode = ExitCode.refused;
}

async function coverage(argv: ArgumentsCamelCase<GlobalArgs & { files?: string[] }>): Promise<void> {
  const dir = startDir(argv);
  const scenarios = loadScenarios(scenarioPaths(argv, dir), dir);
  const skills = listShippedSkills().map((s) => s.name);
  const rules = await builtinGuardRules();
  const report = evalCoverage(scenarios, skills, rules ?? []);
  const missing = report.uncoveredSkills.length + report.uncoveredRules.length;
  if (argv.json) printJson({ ...report, guardRulesKnown: rules !== undefined });
  else {
    for (const s of report.skills)
      printLine(`skill ${s.name.padEnd(24)} ${s.scenarios.join(', ') || 'NO SCENARIO'}`);
    for (const r of report.rules)
      printLine(`rule  ${r.name.padEnd(24)} ${r.scenarios.join(', ') || 'NO SCENARIO'}`);
    if (rules === undefined) printLine(messages.evalNoGuardRules);
    for (const u of report.unknownSkills) printLine(messages.evalUnknownSkill(u));
    printLine(messages.evalCoverageSummary(missing));
  }
  if (missing > 0 || report.unknownSkills.length > 0) process.exitCode = ExitCode.refused;
}

/** The built-in guard rule ids (the guard's own list, loaded only for this command). */
async function builtinGuardRules(): Promise<string[] | undefined> {
  const { builtinRules } = await import('@factory/gates/guard/rules');
  return builtinRules.map((rule) => rule.id);
}

export const evalCommand: CommandModule = {
  command: 'eval <command>',
  describe: 'behavioural evals: did the agent do what the skills say',
  builder: (y) =>
    y
      .command(
        'run [files..]',
        'run eval scenarios (default lane: scripted; --transcript FILE: recorded; --live: the real model)',
        (c) =>
          c
            .positional('files', {
              type: 'string',
              array: true,
              describe: 'scenario files or folders (default: evals/)',
            })
            .option('transcript', {
              type: 'string',
              describe:
                'check a recorded session (stream-json or transcript JSONL; a folder: its newest *.jsonl)',
            })
            .option('live', {
              type: 'boolean',
              describe: 'run the real claude -p in a temporary copy of each fixture',
            })
            .option('runs', {
              type: 'number',
              describe: "attempts per scenario (default: the scenario's runs)",
            })
            .option('junit', { type: 'string', describe: 'also write a JUnit XML report to FILE' })
            .option('max-cost', {
              type: 'number',
              describe: 'stop starting sessions after this much cost in USD (live)',
            })
            .option('claude', {
              type: 'string',
              describe: 'the claude executable (default FACTORY_CLAUDE, node_modules/.bin/claude, then PATH)',
            })
            .option('save-sessions', { type: 'string', describe: "keep each session's stream-json in DIR" })
            .option('keep-workspaces', {
              type: 'boolean',
              describe: 'do not delete the temporary workspaces',
            })
            .option('concurrency', {
              type: 'number',
              describe: 'scenarios run at the same time (default: 2-4 scripted, 1 live)',
            }),
        (argv) => run(argv as unknown as ArgumentsCamelCase<RunArgs>),
      )
      .command('compare', 'flag scenarios that regressed since the previous run', {}, (argv) =>
        compare(argv as ArgumentsCamelCase<GlobalArgs>),
      )
      .command(
        'coverage [files..]',
        'fail when a shipped skill or guard rule has no scenario',
        (c) =>
          c.positional('files', {
            type: 'string',
            array: true,
            describe: 'scenario files or folders (default: evals/)',
          }),
        (argv) => coverage(argv as unknown as ArgumentsCamelCase<GlobalArgs & { files?: string[] }>),
      )
      .demandCommand(1, 'name an eval command'),
  handler: () => {},
};
