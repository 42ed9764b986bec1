import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git.js';

/**
 * What a gate may touch, saved before it runs: the index (as a tree object) and the bytes of the working
 * tree files that tasks receive. After a failed or interrupted run, `restore()` puts both back exactly,
 * so partial staging never loses work whatever the tasks or lint-staged did.
 */
export class WorkSnapshot {
  private constructor(
    private readonly cwd: string,
    readonly tree: string | undefined,
    private readonly files: Map<string, Buffer | null>,
  ) {}

  /**
   * `withIndex` false: the caller never writes the index before it knows the outcome (the lean path only
   * stages after success), so the index needs no copy and the gate saves a git process.
   */
  static take(cwd: string, paths: Iterable<string>, withIndex = true): WorkSnapshot {
    const tree = withIndex ? git(cwd, ['write-tree']).trim() : undefined;
    const files = new Map<string, Buffer | null>();
    for (const path of paths) {
      const full = join(cwd, path);
      files.set(path, existsSync(full) ? readFileSync(full) : null);
    }
    return new WorkSnapshot(cwd, tree, files);
  }

  /** Files whose working-tree bytes differ from the snapshot. */
  changedFiles(): string[] {
    const changed: string[] = [];
    for (const [path, bytes] of this.files) {
      const full = join(this.cwd, path);
      const now = existsSync(full) ? readFileSync(full) : null;
      if (bytes === null ? now !== null : now === null || !bytes.equals(now)) changed.push(path);
    }
    return changed;
  }

  /** Puts the index and the saved files back; returns what had to be restored. */
  restore(): { index: boolean; files: string[] } {
    const files = this.changedFiles();
    for (const path of files) {
      const bytes = this.files.get(path);
      const full = join(this.cwd, path);
      if (bytes === null || bytes === undefined) rmSync(full, { force: true });
      else writeFileSync(full, bytes);
    }
    const index = this.tree !== undefined && git(this.cwd, ['write-tree']).trim() !== this.tree;
    if (index && this.tree) git(this.cwd, ['read-tree', this.tree]);
    return { index, files };
  }
}

/**
 * Catches SIGINT, SIGTERM and SIGHUP for the duration of a gate: the default would kill us in the middle
 * of a task, before the snapshot is restored. Children receive the terminal's signal themselves; the gate
 * notices, restores, and exits 130.
 */
export class InterruptGuard {
  signal: NodeJS.Signals | undefined;
  private readonly listeners = new Map<NodeJS.Signals, () => void>();
  private readonly onSignal = new Set<(signal: NodeJS.Signals) => void>();

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const listener = () => {
        this.signal ??= signal;
        for (const fn of this.onSignal) fn(signal);
      };
      this.listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  get interrupted(): boolean {
    return this.signal !== undefined;
  }

  subscribe(fn: (signal: NodeJS.Signals) => void): () => void {
    this.onSignal.add(fn);
    return () => this.onSignal.delete(fn);
  }

  dispose(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
  }
}
