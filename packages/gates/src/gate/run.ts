import { join } from 'node:path';
import type { FactoryConfig } from '@factory/core/config/types';
import { ExitCode, FactoryError, isFactoryError } from '@factory/core/errors';
import { factoryDir, findRepositoryRoot, stateDbPath } from '@factory/core/paths';
import { messages } from '../messages.js';
import { FOLD_AT, pendingGateRuns, postGateRun } from '../state/gate-inbox.js';
import type { GateRunStatus } from '../state/gate-runs.js';
import { readCheckedSetup, stampPaths, writeCheckedSetup } from './checked-setup.js';
import { checkNames, type Finding } from './findings.js';
import { gitRaw } from './git.js';
import { treeOfIndexFile } from './index-tree.js';
import { recordPassedTrees } from './passed-trees.js';
import type { GateOutcome } from './result.js';
import { InterruptGuard } from './snapshot.js';

export const gateNames = ['pre-commit', 'pre-push', 'commit-msg', 'reference-transaction', 'ci'] as const;
export type GateName = (typeof gateNames)[number];

export function isGateName(name: string): name is GateName {
  return (gateNames as readonly string[]).includes(name);
}

export interface GateRequest {
  readonly gate: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** pre-push: the refs git writes on stdin. */
  readonly readStdin: () => string;
  /** The process ends with process.exit() after the gate (the fast path): state.db may stay open. */
  readonly exitsAfterGate?: boolean;
  /** pre-commit: reads the staged diff that the hook piped in (staged-diff.ts), when it did. */
  readonly readStagedDiff?: () => string;
  /**
   * Called when the run does work that the next runs will not: the full setup check and config load that
   * leave a checked setup behind, or folding the gates' inbox. The fast path takes its code cache only
   * after a usual run, so that the cache every later gate loads holds the code they run and not this
   * one-off code (measured: 159 KB instead of 211 to 346 KB, about 1 to 2 ms less CPU a commit to
   * deserialize). Work a run repeats every time (a repository without factory init) is its usual run.
   */
  readonly noteOneOff?: () => void;
}

/**
 * The human skip: `FACTORY_SKIP=check[,check]|all FACTORY_SKIP_REASON="why"`. Without a reason it is
 * refused; the secret check is never skipped. The skip and its reason are recorded with the run.
 */
export function parseSkip(env: NodeJS.ProcessEnv): { skipped: Set<string>; reason?: string } {
  const raw = env.FACTORY_SKIP?.trim();
  if (!raw) return { skipped: new Set() };
  const skipped = new Set(
    raw
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const name of skipped) {
    if (name === 'secrets') throw new FactoryError(messages.skipSecrets, ExitCode.refused);
    if (name !== 'all' && !(checkNames as readonly string[]).includes(name)) {
      throw new FactoryError(messages.skipUnknown(name, checkNames), ExitCode.usage);
    }
  }
  const reason = env.FACTORY_SKIP_REASON?.trim();
  if (!reason) throw new FactoryError(messages.skipNeedsReason, ExitCode.refused);
  return { skipped, reason };
}

/**
 * Runs one gate for a git hook, prints the verdict on stderr, records the run in state.db and returns the
 * exit code: 0 pass, 1 refused, 2 could not run (which refuses the commit too: a gate fails closed),
 * 130 interrupted.
 */
export async function runGate(request: GateRequest): Promise<number> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const root = findRepositoryRoot(request.cwd);
  if (!root) throw new FactoryError(messages.gateNotInRepository(request.cwd), ExitCode.usage);
  if (!isGateName(request.gate)) throw new FactoryError(messages.gateUnknown(request.gate), ExitCode.usage);
  const gate = request.gate;
  // A clean check whose inputs are all as it left them is not done again (checked-setup.ts).
  const checkedConfig = readCheckedSetup(root);
  // Tamper evidence first: a control file changed behind init's back refuses everything but the repair.
  let setup: { before: Record<string, string>; paths: string[] } | undefined;
  if (!checkedConfig) {
    const { checkControlFiles, controlInputs, describeTamper } = await import('../install/control-record.js');
    const paths = controlInputs(root);
    const before = stampPaths(paths);
    const tampered = checkControlFiles(root);
    if (tampered && tampered.length > 0) {
      throw new FactoryError(messages.controlTamperedRefusal(describeTamper(tampered)), ExitCode.refused);
    }
    if (tampered) setup = { before, paths };
  }
  const loadGatesConfig = async (): Promise<FactoryConfig> => {
    if (checkedConfig) return checkedConfig;
    const { loadConfig } = await import('@factory/core/config/load');
    const loaded = await loadConfig({
      cwd: root,
      stopDir: root,
      cacheFile: join(factoryDir(root), 'config-cache.json'),
      executable: false,
    });
    // Once recorded, the next gates take the config from it: this check and load were one-off work.
    if (setup && writeCheckedSetup(root, setup.before, setup.paths, loaded.sources, loaded.config))
      request.noteOneOff?.();
    return loaded.config;
  };
  if (gate === 'reference-transaction') return referenceTransaction(root, request, loadGatesConfig);
  const interrupt = new InterruptGuard();
  let outcome: GateOutcome | undefined;
  let skip: { skipped: Set<string>; reason?: string } = { skipped: new Set() };
  let failure: unknown;
  // pre-commit: the staged diff the hook piped in (read when needed: git works while node loads), else
  // git lists the staged files while the config loads.
  const piped = request.readStagedDiff;
  const staged =
    gate === 'pre-commit' && !piped
      ? Promise.all([import('./staged.js'), import('./staged-diff.js')]).then(([m, diff]) =>
          m.stagedFilesOf(diff.startStagedDiff(root)),
        )
      : undefined;
  staged?.catch(() => {}); // awaited below; an early failure must not be an unhandled rejection
  const stagedFiles = piped
    ? async () => {
        const [m, diff] = await Promise.all([import('./staged.js'), import('./staged-diff.js')]);
        const complete = diff.completeStagedDiff(piped());
        return m.stagedFilesOf(
          complete === undefined ? diff.startStagedDiff(root) : Promise.resolve(complete),
        );
      }
    : staged
      ? () => staged
      : undefined;
  try {
    skip = parseSkip(request.env);
    const config = await loadGatesConfig();
    if (gate === 'pre-commit') {
      const { preCommitGate } = await import('./pre-commit.js');
      outcome = await preCommitGate(root, config, skip.skipped, interrupt, stagedFiles);
    } else if (gate === 'pre-push') {
      const { prePushGate } = await import('./pre-push.js');
      outcome = await prePushGate(root, config, skip.skipped, interrupt, request.args, request.readStdin());
    } else if (gate === 'ci') {
      const { ciGate } = await import('./ci.js');
      outcome = await ciGate(root, config, skip.skipped, interrupt, request.args, request.env);
    } else {
      const { commitMsgGate } = await import('./commit-msg.js');
      outcome = await commitMsgGate(request.cwd, config, skip.skipped, request.args);
    }
  } catch (error) {
    failure = error;
  } finally {
    interrupt.dispose();
  }

  const status: GateRunStatus = failure
    ? 'error'
    : outcome?.interrupted
      ? 'interrupted'
      : (outcome?.findings.length ?? 0) > 0
        ? 'failed'
        : 'passed';
  // The tree the pre-commit gate passed: the reference-transaction hook lets a branch move to it.
  if (gate === 'pre-commit' && status === 'passed') recordIndexTree(root, request.env, outcome?.indexTree);
  const durationMs = Date.now() - started;
  await record(root, request, {
    gate,
    status,
    durationMs,
    startedAt,
    ...(outcome?.sha ? { sha: outcome.sha } : {}),
    skipped: [...skip.skipped],
    ...(skip.reason ? { skipReason: skip.reason } : {}),
    checks: outcome?.checks ?? [],
  });

  if (failure) {
    if (isFactoryError(failure)) throw failure;
    throw failure;
  }
  if (status === 'interrupted') {
    const restored = outcome?.restored;
    const what = restored
      ? `restored ${restored.index ? 'the index and ' : ''}${restored.files.length} file(s) to their state before the gate`
      : 'nothing had been changed';
    process.stderr.write(`${messages.gateInterrupted(gate, what)}\n`);
    return 130;
  }
  if (status === 'failed') {
    process.stderr.write(formatFindings(gate, outcome!.findings));
    return ExitCode.refused;
  }
  return ExitCode.ok;
}

/**
 * The tree of the index (GIT_INDEX_FILE's, for `git commit -a` and `commit FILE`): the one the tasks' run
 * computed while they ran (`known`, when they left the index unchanged), else computed from the index file
 * (index-tree.ts), or `git write-tree` for an index it leaves to git.
 */
function recordIndexTree(root: string, env: NodeJS.ProcessEnv, known?: string): void {
  try {
    let tree: string | undefined;
    tree = known ?? treeOfIndexFile(root, env);
    if (tree === undefined) {
      const out = gitRaw(root, ['write-tree']);
      const written = out.stdout.toString('utf8').trim();
      if (out.status === 0 && /^[0-9a-f]{40,64}$/.test(written)) tree = written;
    }
    if (tree !== undefined) recordPassedTrees(root, [tree]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${messages.gateRecordFailed(reason)}\n`);
  }
}

/**
 * The reference-transaction hook (`prepared` state only; the hook script passes on only the updates of
 * local branches): refuses a branch move to a commit whose tree the gates never passed. Lean: no config
 * and no state.db unless a merge, rebase or cherry-pick needs checking or something is refused.
 */
async function referenceTransaction(
  root: string,
  request: GateRequest,
  loadGatesConfig: () => Promise<FactoryConfig>,
): Promise<number> {
  if (request.args[0] !== 'prepared') return ExitCode.ok;
  const { judgeRefUpdates, parseRefUpdates } = await import('./reference-transaction.js');
  const updates = parseRefUpdates(request.readStdin());
  const started = Date.now();
  const verdict = await judgeRefUpdates(root, updates, loadGatesConfig);
  if (verdict.ok) return ExitCode.ok;
  let skip: { skipped: Set<string>; reason?: string } = { skipped: new Set() };
  try {
    skip = parseSkip(request.env);
  } catch {
    // A malformed skip skips nothing.
  }
  const skipped = skip.skipped.has('all') && skip.reason !== undefined;
  await record(root, request, {
    gate: 'reference-transaction',
    status: skipped ? 'passed' : 'failed',
    durationMs: Date.now() - started,
    startedAt: new Date(started).toISOString(),
    sha: updates[0]?.new ?? '',
    skipped: skipped ? ['all'] : [],
    ...(skipped && skip.reason ? { skipReason: skip.reason } : {}),
    checks: [],
  });
  if (skipped) {
    process.stderr.write(`${messages.refSkipped(skip.reason!)}\n`);
    return ExitCode.ok;
  }
  if (verdict.findings.length > 0)
    process.stderr.write(formatFindings('reference-transaction', verdict.findings));
  process.stderr.write(`${messages.refRefused(verdict.refused)}\n`);
  return ExitCode.refused;
}

export function formatFindings(gate: string, findings: readonly Finding[]): string {
  const lines = [messages.gateFailedHeader(gate)];
  for (const f of findings) {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
    lines.push(`  ✖ ${f.check}  ${where}${f.message}`);
    lines.push(`      fix: ${f.fix}`);
  }
  lines.push(messages.gateFailedFooter(gate));
  return `${lines.join('\n')}\n`;
}

type GateRunInput = import('../state/gate-runs.js').GateRunInput;

/**
 * Records the run: posted to the gates' inbox (state/gate-inbox.ts), which readers fold into state.db,
 * without opening SQLite; through state.db when the state folder does not exist yet. The inbox is folded
 * here when its folder was just made (the clone's first run through it: state.db is brought to the schema
 * the fold needs) and when it holds more runs than a commit should leave for the next reader (a clone
 * where nothing reads them).
 * A run that cannot be recorded is said on stderr and decides nothing: the verdict stands.
 */
async function record(root: string, request: GateRequest, run: GateRunInput): Promise<void> {
  try {
    const stateDb = stateDbPath(root);
    const posted = postGateRun(stateDb, run);
    if (posted) {
      if (posted === 'posted' && pendingGateRuns(stateDb) < FOLD_AT) return;
      request.noteOneOff?.();
      try {
        const { foldGateInbox } = await import('../state/gate-runs.js');
        await withStore(root, request, (store) => foldGateInbox(store));
      } catch {
        // The run is in the inbox: a reader folds it (and says what is wrong with state.db).
      }
      return;
    }
    const { recordGateRun } = await import('../state/gate-runs.js');
    await withStore(root, request, (store) => recordGateRun(store, run));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${messages.gateRecordFailed(reason)}\n`);
  }
}

/** state.db, opened for one write (node:sqlite and the store are loaded only then). */
async function withStore(
  root: string,
  request: GateRequest,
  fn: (store: import('@factory/core/state/store').StateStore) => unknown,
): Promise<void> {
  const [{ StateStore }, { gatesSchema }] = await Promise.all([
    import('@factory/core/state/store'),
    import('../state/migrations/index.js'),
  ]);
  const store = StateStore.open({
    path: stateDbPath(root),
    leaveOpenAtExit: request.exitsAfterGate === true,
    schemas: [gatesSchema],
  });
  try {
    fn(store);
  } finally {
    store.close();
  }
}
