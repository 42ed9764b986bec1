import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Each process's parent: from /proc on Linux (nothing to install), else from `ps` (macOS). */
function parentTable(): Array<[child: number, parent: number]> {
  const pairs: Array<[number, number]> = [];
  if (process.platform === 'linux') {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // `pid (comm) state ppid ...`: the command name may hold spaces and parentheses, so read after the last ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (Number.isInteger(ppid)) pairs.push([Number(entry), ppid]);
      } catch {
        // gone in between
      }
    }
    return pairs;
  }
  try {
    const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
    for (const line of table.split('\n')) {
      const [child, parent] = line.trim().split(/\s+/).map(Number);
      if (child && parent !== undefined && !Number.isNaN(parent)) pairs.push([child, parent]);
    }
  } catch {
    // no ps: nothing known below the process
  }
  return pairs;
}

/**
 * The processes below `pid` (its children, their children...): what a program started and would leave
 * behind when only it is stopped. Claude Code runs each Bash call in a child of its own, which a signal to
 * Claude Code alone does not reach.
 */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parentTable()) children.set(parent, [...(children.get(parent) ?? []), child]);
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (found.includes(next)) continue;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Sends `signal` to each of the processes that still exist. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already (or not ours)
    }
  }
}
