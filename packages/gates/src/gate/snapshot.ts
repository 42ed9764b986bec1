import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { gitDirOf, indexFileOf } from './git.js';

/**
 * What a gate may touch, saved before its tasks run: the bytes of the index file and of every working-tree
 * file the tasks receive. Everything is held by this run alone (in memory, and on disk under a name made
 * of this process's id, see RunBackup), never by a position in a list that other worktrees share (as
 * lint-staged's backup in `refs/stash` is). After a failed or interrupted run, `restore()` puts both back
 * exactly: partial staging never loses work whatever the tasks did, `git add -A` included.
 */
export class WorkSnapshot {
  private constructor(
    private readonly cwd: string,
    readonly indexFile: string,
    private readonly index: Buffer | null,
    private readonly files: Map<string, Buffer | null>,
  ) {}

  static take(cwd: string, paths: Iterable<string>, env: NodeJS.ProcessEnv = process.env): WorkSnapshot {
    const indexFile = indexFileOf(cwd, env);
    const files = new Map<string, Buffer | null>();
    for (const path of paths) files.set(path, readOrNull(join(cwd, path)));
    return new WorkSnapshot(cwd, indexFile, readOrNull(indexFile), files);
  }

  /** The index file's bytes when the snapshot was taken (null: there was none). */
  get indexBytes(): Buffer | null {
    return this.index;
  }

  /** Whether the index file holds the same bytes as when the snapshot was taken. */
  indexUnchanged(): boolean {
    return sameBytes(this.index, readOrNull(this.indexFile));
  }

  /** The working-tree bytes of a file when the snapshot was taken (null: it did not exist). */
  before(path: string): Buffer | null | undefined {
    return this.files.get(path);
  }

  /** Files whose working-tree bytes differ from the snapshot. */
  changedFiles(): string[] {
    const changed: string[] = [];
    for (const [path, bytes] of this.files) {
      if (!sameBytes(bytes, readOrNull(join(this.cwd, path)))) changed.push(path);
    }
    return changed;
  }

  /** Puts the index and the saved files back; returns what had to be restored. */
  restore(): { index: boolean; files: string[] } {
    const files = this.changedFiles();
    for (const path of files) writeOrRemove(join(this.cwd, path), this.files.get(path) ?? null);
    const index = !sameBytes(this.index, readOrNull(this.indexFile));
    if (index) replaceIndex(this.indexFile, this.index);
    return { index, files };
  }
}

/**
 * The unstaged work of partially staged files while the tasks see only the staged content: a copy on
 * disk, in this worktree's own git folder, under this process's id. A gate killed outright (SIGKILL,
 * power loss) leaves it for the human, named in its README; a run that ends removes it.
 */
export class RunBackup {
  private constructor(readonly dir: string) {}

  static write(cwd: string, files: ReadonlyMap<string, Buffer | null>, index: string): RunBackup {
    const dir = join(
      gitDirOf(cwd),
      'factory-backup',
      `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    );
    mkdirSync(join(dir, 'files'), { recursive: true });
    const manifest: Record<string, string | null> = {};
    let n = 0;
    for (const [path, bytes] of files) {
      if (bytes === null) {
        manifest[path] = null;
        continue;
      }
      const name = String(n++);
      writeFileSync(join(dir, 'files', name), bytes);
      manifest[path] = name;
    }
    if (existsSync(index)) writeFileSync(join(dir, 'index'), readFileSync(index));
    writeFileSync(
      join(dir, 'README'),
      `factory gate pre-commit (process ${process.pid}) saved the unstaged work of these files here before\n` +
        'hiding it from the tasks. If you read this, the gate was killed before it could put them back:\n' +
        'copy each file of files/ back to its path (manifest.json maps path -> file), then delete this folder.\n',
    );
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return new RunBackup(dir);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    try {
      // The parent goes when it is empty (other worktrees' runs have their own git folder).
      rmdirSync(dirname(this.dir));
    } catch {
      // not empty or already gone
    }
  }
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

function sameBytes(a: Buffer | null | undefined, b: Buffer | null): boolean {
  if (a === null || a === undefined) return b === null;
  return b !== null && a.equals(b);
}

export function writeOrRemove(path: string, bytes: Buffer | null): void {
  if (bytes === null) rmSync(path, { force: true });
  else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}

/**
 * Writes the index file back the way git does: through `<index>.lock`, created exclusively, then renamed,
 * so that a git process started by a task at the same moment sees the old or the new index, never half.
 */
function replaceIndex(indexFile: string, bytes: Buffer | null): void {
  if (bytes === null) {
    rmSync(indexFile, { force: true });
    return;
  }
  const lock = `${indexFile}.lock`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      renameSync(lock, indexFile);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
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
