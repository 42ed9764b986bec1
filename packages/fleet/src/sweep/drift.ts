import { relative } from 'node:path';
import { loadConfig } from '@factory/core/config/load';
import { defaultConfigFileName } from '@factory/core/config/places';
import { isFactoryError } from '@factory/core/errors';
import { type DoctorFinding, runDoctor } from '@factory/gates/doctor/doctor';
import { applyInit, type InitPlan, planInit } from '@factory/gates/install/init';
import { type RepoContext, readRepoContext } from '@factory/gates/install/repo';
import { listSkills, syncSkills } from '@factory/gates/skills/sync';

/** One drift check's outcome in one repository. */
export interface DriftCheck {
  readonly name: 'config' | 'hooks' | 'guard' | 'skills' | 'version' | 'state';
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Where drift is judged and mended. The sweep depends only on this interface; the provider below asks
 * factory's own installer: "what would `factory init` change here?" An up-to-date repository is one where
 * the answer is nothing. `fix` re-runs init (the same plan, applied) and syncs the stale skills.
 */
export interface DriftProvider {
  check(repoPath: string, signal: AbortSignal): Promise<DriftCheck[]>;
  fix(repoPath: string, signal: AbortSignal): Promise<{ ok: boolean; detail: string }>;
}

export interface FactoryDriftOptions {
  /** What the hooks must call: this node and this factory bin (init records both). */
  readonly nodePath: string;
  readonly binPath: string;
  /** The version of that factory, shown in the version check. */
  readonly version: string;
}

function errorText(error: unknown): string {
  if (isFactoryError(error)) return error.message;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function isGuardFile(path: string): boolean {
  return /(^|\/)\.claude\/settings(\.local)?\.json$/.test(path);
}

/** The check a doctor finding belongs to. */
function doctorArea(id: string): DriftCheck['name'] {
  if (/guard|settings|hooksDisabled/i.test(id)) return 'guard';
  if (/config/i.test(id)) return 'config';
  if (/state/i.test(id)) return 'state';
  return 'hooks';
}

/**
 * Folds `factory doctor`'s findings (every way the gates or the guard could silently not run) into the
 * checks: a check fails when init would change something there or the doctor found a problem there.
 */
function withDoctor(checks: DriftCheck[], findings: readonly DoctorFinding[]): DriftCheck[] {
  return checks.map((check) => {
    const mine = findings.filter((f) => doctorArea(f.id) === check.name).map((f) => f.problem);
    if (mine.length === 0) return check;
    const detail = check.ok ? mine.join('; ') : `${check.detail}; ${mine.join('; ')}`;
    return { name: check.name, ok: false, detail };
  });
}

/** Sorts the changes init would make into the checks a person reads: hooks, guard, version, state. */
function classify(plan: InitPlan, binPath: string, version: string): DriftCheck[] {
  const rel = (path: string) => (path.startsWith('/') ? relative(plan.root, path) : path);
  // Everything init would write that is not the guard or the config is the gates' installation.
  const hookChanges = plan.files
    .filter((f) => !isGuardFile(rel(f.path)) && rel(f.path) !== defaultConfigFileName)
    .map((f) => `${f.action} ${rel(f.path)}`);
  if (plan.husky) hookChanges.unshift('install .husky/_');
  const guardChanges = plan.files
    .filter((f) => isGuardFile(rel(f.path)))
    .map((f) => `${f.action} ${rel(f.path)}`);
  const configChanges = plan.gitConfig.filter((c) => c.key !== 'factory.bin' && c.key !== 'factory.node');
  for (const c of configChanges) hookChanges.push(`git config ${c.key}`);
  const binMoved = plan.gitConfig.some((c) => c.key === 'factory.bin' || c.key === 'factory.node');
  return [
    {
      name: 'hooks',
      ok: hookChanges.length === 0,
      detail: hookChanges.length
        ? `hooks not installed or not current (${hookChanges.join(', ')})`
        : 'installed and current',
    },
    {
      name: 'guard',
      ok: guardChanges.length === 0,
      detail: guardChanges.length
        ? `guard not installed or not current (${guardChanges.join(', ')})`
        : 'installed',
    },
    {
      name: 'version',
      ok: !binMoved,
      detail: binMoved
        ? `hooks call another factory than this one (${version} at ${binPath})`
        : `factory ${version}`,
    },
    {
      name: 'state',
      ok: !plan.createState,
      detail: plan.createState ? 'no .factory/state.db' : 'present',
    },
  ];
}

function skillsCheck(repoPath: string): DriftCheck {
  const skills = listSkills(repoPath);
  const stale = skills.filter((s) => s.state === 'stale').map((s) => s.name);
  const edited = skills.filter((s) => s.state === 'edited').map((s) => s.name);
  const parts = [
    stale.length ? `stale: ${stale.join(', ')}` : '',
    edited.length ? `changed by hand: ${edited.join(', ')}` : '',
  ].filter(Boolean);
  return { name: 'skills', ok: stale.length === 0, detail: parts.length ? parts.join('; ') : 'in sync' };
}

export function factoryDriftProvider(options: FactoryDriftOptions): DriftProvider {
  const plan = (repoPath: string, repo?: RepoContext) =>
    planInit({
      cwd: repoPath,
      nodePath: options.nodePath,
      binPath: options.binPath,
      ...(repo ? { repo } : {}),
    });
  return {
    async check(repoPath) {
      // An invalid config stops init (and so this plan): it is the drift to report, and only a person
      // can mend it.
      try {
        await loadConfig({ cwd: repoPath, stopDir: repoPath });
      } catch (error) {
        return [{ name: 'config', ok: false, detail: errorText(error) }, skillsCheck(repoPath)];
      }
      const checks: DriftCheck[] = [];
      try {
        // One read of git's view of the repository (layout and config) serves both init's plan and the
        // doctor; a fix re-reads it, since init changes the config.
        const repo = await readRepoContext(repoPath);
        const planned = await plan(repoPath, repo);
        const noConfig = planned.files.some((f) => f.path === defaultConfigFileName);
        checks.push({ name: 'config', ok: !noConfig, detail: noConfig ? 'no factory config' : 'valid' });
        checks.push(...classify(planned, options.binPath, options.version));
        const findings = await runDoctor(repoPath, process.env, repo);
        checks.splice(0, checks.length, ...withDoctor(checks, findings));
      } catch (error) {
        checks.push({ name: 'hooks', ok: false, detail: errorText(error) });
      }
      checks.push(skillsCheck(repoPath));
      return checks;
    },

    async fix(repoPath) {
      try {
        await applyInit(await plan(repoPath));
        const stale = listSkills(repoPath)
          .filter((s) => s.state === 'stale')
          .map((s) => s.name);
        if (stale.length > 0) syncSkills({ repoRoot: repoPath, names: stale });
        return {
          ok: true,
          detail: `factory init re-run${stale.length ? `; skills updated: ${stale.join(', ')}` : ''}`,
        };
      } catch (error) {
        return { ok: false, detail: errorText(error) };
      }
    },
  };
}
