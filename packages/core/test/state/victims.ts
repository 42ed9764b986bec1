import { spawn } from 'node:child_process';

/** A task version a victim reported committed: `C <task id> <version>` on its stdout. */
export type Committed = [taskId: number, version: number];

/**
 * Starts the worker script with `args`, lets it work `workMs` after its first commit and SIGKILLs it; a
 * victim that finds no work is killed `fallbackMs` after it said `ready`. The clock starts at the first
 * commit, so that the kill lands in the loop of transactions even when a loaded machine is slow to schedule
 * the victim. Resolves with what it said it committed; rejects when it ended by itself.
 */
export function killVictim(
  worker: string,
  args: readonly string[],
  workMs: number,
  fallbackMs: number,
): Promise<Committed[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    let fallback: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      out += d;
      if (!fallback && out.startsWith('ready\n'))
        fallback = setTimeout(() => child.kill('SIGKILL'), fallbackMs);
      if (!timer && out.includes('\nC ')) timer = setTimeout(() => child.kill('SIGKILL'), workMs);
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(fallback);
      if (signal !== 'SIGKILL') {
        reject(new Error(`${args.join(' ')} ended by itself (${code}): ${err}`));
        return;
      }
      resolve(
        out
          .split('\n')
          .filter((line) => line.startsWith('C '))
          .map((line) => line.slice(2).split(' ').map(Number) as Committed),
      );
    });
  });
}

/**
 * `kills` victims (owners `victim-0` ...), `lanes` at a time, each killed 0 to 40 ms after its first commit
 * so that kills land at every point of the loop; `afterKill` checks the store after each one.
 */
export async function killAgainAndAgain(options: {
  readonly kills: number;
  readonly lanes: number;
  readonly kill: (owner: string, workMs: number) => Promise<Committed[]>;
  readonly afterKill: (kills: number) => void | Promise<void>;
}): Promise<{ kills: number; committed: Committed[]; owners: string[]; committedBeforeKill: number }> {
  const committed: Committed[] = [];
  const owners: string[] = [];
  let kills = 0;
  let committedBeforeKill = 0;
  const lane = async (laneIndex: number) => {
    for (let i = laneIndex; i < options.kills; i += options.lanes) {
      const owner = `victim-${i}`;
      owners.push(owner);
      const result = await options.kill(owner, (i * 37) % 41);
      kills++;
      committed.push(...result);
      if (result.length > 0) committedBeforeKill++;
      await options.afterKill(kills);
    }
  };
  await Promise.all(Array.from({ length: options.lanes }, (_, i) => lane(i)));
  return { kills, committed, owners, committedBeforeKill };
}
