import type { GateCheckRecord } from '../state/gate-runs.js';
import type { CheckName, Finding } from './findings.js';

export interface GateOutcome {
  readonly findings: Finding[];
  readonly checks: GateCheckRecord[];
  readonly interrupted?: boolean;
  readonly restored?: { index: boolean; files: string[] };
  readonly sha?: string;
  /**
   * pre-commit: the tree of the index as the commit will have it, when the gate knows it already (computed
   * while the tasks ran, from the index they left unchanged); else the runner computes it after the gate.
   */
  readonly indexTree?: string;
}

/** Collects per-check results while a gate runs. */
export class CheckLog {
  readonly checks: GateCheckRecord[] = [];
  readonly findings: Finding[] = [];

  constructor(private readonly skipped: ReadonlySet<string>) {}

  isSkipped(name: CheckName): boolean {
    return name !== 'secrets' && (this.skipped.has(name) || this.skipped.has('all'));
  }

  /** Adds fields to a check's record (the tree its commands passed on, ...). */
  annotate(name: CheckName, fields: Partial<GateCheckRecord>): void {
    const index = this.checks.findIndex((check) => check.name === name);
    if (index >= 0) this.checks[index] = { ...this.checks[index]!, ...fields };
  }

  /** Adds what a check let through (with the reasons) to its record. */
  noteAllowed(name: CheckName, allowed: NonNullable<GateCheckRecord['allowed']>): void {
    if (allowed.length === 0) return;
    const index = this.checks.findIndex((check) => check.name === name);
    if (index >= 0) this.checks[index] = { ...this.checks[index]!, allowed };
  }

  /** Runs a check unless it is skipped; records its status and findings. */
  async run(name: CheckName, fn: () => Finding[] | Promise<Finding[]>): Promise<Finding[]> {
    if (this.isSkipped(name)) {
      this.checks.push({ name, status: 'skipped' });
      return [];
    }
    const found = await fn();
    this.checks.push({ name, status: found.length > 0 ? 'failed' : 'passed', findings: found.length });
    this.findings.push(...found);
    return found;
  }
}
