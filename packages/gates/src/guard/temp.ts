import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * Scratch space outside the project that the agent may clean up: a folder strictly inside the temporary
 * folder (`$TMPDIR`, the OS's temp folder, `/tmp`, `/var/tmp`) that holds no git repository and lies in
 * none, and that holds neither the project, the home folder nor the folder the command runs in (nor lies
 * beside them, when they live in the temp folder themselves).
 * `rm -rf /tmp/build-output` is everyday work; `rm -rf /tmp`, `rm -rf /tmp/*`, a folder reached with `..`
 * or through a symbolic link out of the temp folder, and another repository checked out or cloned under
 * /tmp (the remote of a test setup, a sibling worktree) are not. A folder too big to look through is
 * refused (fail closed).
 */

/** How many folder entries the look for repositories may read before it gives up (and refuses). */
const MAX_ENTRIES = 4000;

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function strictlyInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function inside(child: string, parent: string): boolean {
  return child === parent || strictlyInside(child, parent);
}

/** The temporary folders, each as written and with its links resolved. */
export function tempRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = new Set<string>();
  for (const root of [env.TMPDIR, tmpdir(), '/tmp', '/var/tmp']) {
    if (!root || !isAbsolute(root)) continue;
    const lexical = resolve(root);
    if (lexical === '/') continue;
    roots.add(lexical);
    roots.add(real(lexical));
  }
  return [...roots];
}

/** The existing part of `path` with its links resolved, and the rest appended. */
function realExisting(path: string): string {
  let head = path;
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      tail.push(head.slice(parent === '/' ? 1 : parent.length + 1));
      head = parent;
    }
  }
}

function isRepository(names: ReadonlySet<string>): boolean {
  if (names.has('.git')) return true;
  // A bare repository (a test setup's remote, `git clone --bare`).
  return names.has('HEAD') && names.has('objects') && names.has('refs');
}

function entries(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

/** Whether a repository lies at or under `dir`: 'yes', 'no', or 'unknown' when the folder is too big. */
function holdsRepository(dir: string): 'yes' | 'no' | 'unknown' {
  const queue = [dir];
  let seen = 0;
  while (queue.length > 0) {
    const current = queue.shift()!;
    const names = entries(current);
    if (names === undefined) continue;
    seen += names.length;
    if (seen > MAX_ENTRIES) return 'unknown';
    if (isRepository(new Set(names))) return 'yes';
    for (const name of names) {
      const child = join(current, name);
      try {
        if (lstatSync(child).isDirectory()) queue.push(child);
      } catch {
        // gone meanwhile: nothing to delete there
      }
    }
  }
  return 'no';
}

export const OUTSIDE_TEMP = 'is outside the project and the temp folder';

export interface TempContext {
  readonly project: string;
  readonly home: string;
  readonly cwd: string;
}

/**
 * Why removing `path` (absolute, resolved) with everything under it is not scratch clean-up, or undefined
 * when it is: inside a temp folder, holding nothing that matters. `raw` is the path as written.
 */
export function tempRemovalProblem(path: string, raw: string, ctx: TempContext): string | undefined {
  const roots = tempRoots();
  const root = roots.find((candidate) => strictlyInside(path, candidate));
  if (!root) return OUTSIDE_TEMP;
  if (/(^|\/)\.\.(\/|$)/.test(raw)) return 'climbs with .. (name the folder directly)';
  const target = realExisting(path);
  if (!roots.some((candidate) => strictlyInside(target, candidate)))
    return `leads out of the temp folder (${target})`;
  for (const [what, place] of [
    ['the project', ctx.project],
    ['the home folder', ctx.home],
    ['the folder the command runs in', ctx.cwd],
  ] as const) {
    for (const [at, spelled] of [
      [real(place), target],
      [resolve(place), path],
    ] as const) {
      if (inside(at, spelled)) return `holds ${what}`;
      // When the project (or home) itself lives in the temp folder (a test setup), the folder that holds
      // it there holds its neighbours too (the remote, files the setup keeps): they are not scratch.
      for (const base of roots) {
        if (!strictlyInside(at, base)) continue;
        const top = join(base, relative(base, at).split('/')[0]!);
        if (inside(spelled, top)) return `lies in ${top}, beside ${what}`;
      }
    }
  }
  // In a repository under the temp folder (a clone, a test setup's remote): its files are not scratch.
  for (let dir = dirname(target); strictlyInside(dir, root) || strictlyInside(dir, real(root)); ) {
    const names = entries(dir);
    if (names && isRepository(new Set(names))) return `is inside the git repository ${dir}`;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  let kind: 'file' | 'dir' | 'none' = 'none';
  try {
    kind = lstatSync(target).isDirectory() ? 'dir' : 'file';
  } catch {
    kind = 'none';
  }
  if (kind !== 'dir') return undefined;
  const holds = holdsRepository(target);
  if (holds === 'yes') return 'holds a git repository';
  if (holds === 'unknown')
    return `holds more than ${MAX_ENTRIES} entries, too many to check for repositories`;
  return undefined;
}
