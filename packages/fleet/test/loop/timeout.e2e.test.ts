import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WorkSessions } from '@factory/agent/state/work-sessions';
import { openRepositoryState } from '@factory/core/state/repository';
import { processState } from '@factory/core/state/resources';
import { claudeBin } from '@factory/testkit';
import { configureLoop, makeLoopFleet } from './fixture.js';

/**
 * The session time limit (`loop.timeoutSeconds`): the real Claude Code, scripted to run a command that
 * outlives the limit, is stopped (SIGTERM, then SIGKILL when it does not go), the task says so in one
 * sentence, and no process (Claude Code nor the command it ran) or worktree is left behind.
 */

/** The processes whose command line contains `marker` (Linux's /proc). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // gone in between
    }
  }
  return found;
}

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a session past loop.timeoutSeconds', () => {
  it('is stopped with SIGTERM then SIGKILL, the task says so, and nothing is left behind', async () => {
    const fleet = await makeLoopFleet(['alpha']);
    try {
      // Long enough for Claude Code to start its Bash call on a loaded machine before the limit.
      configureLoop(fleet, { timeoutSeconds: 20, maxAttempts: 3 });
      // The command outlives the limit many times over; its marker finds it in the process table.
      const marker = `factory-timeout-${process.pid}-${Date.now()}`;
      fleet.scripts.push({
        match: 'MARK-TIMEOUT',
        script: {
          turns: [
            {
              toolCalls: [
                {
                  name: 'Bash',
                  input: {
                    command: `bash -c 'sleep 300; echo ${marker}'`,
                    description: 'Think for a long time',
                    timeout: 600000,
                  },
                },
              ],
            },
          ],
          finalText: 'Done.',
        },
      });
      // A session that does not go on SIGTERM: Claude Code stops, but what runs it ignores the signal and
      // lingers (an ignored signal stays ignored across exec), so only the SIGKILL that follows ends it.
      const stubborn = join(fleet.root, 'stubborn-claude');
      writeFileSync(
        stubborn,
        `#!/bin/sh\n[ "$1" = --version ] && exec ${claudeBin} "$@"\ntrap '' TERM\n${claudeBin} "$@"\nexec sleep 120\n`,
        { mode: 0o755 },
      );
      const alpha = fleet.repos.alpha!;
      const added = await fleet.factory(['task', 'add', 'Slow', '--prompt', 'MARK-TIMEOUT: think'], alpha);
      assert.equal(added.status, 0, added.stderr);

      const started = Date.now();
      const running = fleet.factory(['work', '1', '--claude', stubborn], alpha);
      let seen = false;
      let settled = false;
      void running.finally(() => {
        settled = true;
      });
      while (!settled) {
        seen ||= processesWith(marker).length > 0;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const work = await running;
      const took = Date.now() - started;
      assert.ok(seen, `the session's command ran when the limit came: ${work.stderr}`);
      assert.equal(work.status, 1, work.stderr);
      assert.match(
        work.stderr,
        /^factory: task #1 ready: the session ran past its time limit of 20 s \(loop\.timeoutSeconds\) and was stopped \(SIGTERM, then SIGKILL\) \(session: \d+ turn\(s\), 1 tool call\(s\)[^\n]*\.\n$/,
      );
      assert.ok(took < 90_000, `took ${took} ms`);

      const state = openRepositoryState(alpha);
      try {
        const task = state.tasks.get(1);
        assert.equal(task.state, 'ready', 'attempts are left');
        assert.equal(task.owner, null);
        assert.match(state.tasks.log(1).at(-2)?.reason ?? '', /^the session ran past its time limit of 20 s/);
        const session = new WorkSessions(state.store).sessions(1)[0]!;
        assert.equal(session.outcome, 'failed');
        const pid = state.resources.list(1).find((r) => r.kind === 'pid')!;
        assert.notEqual(pid.releasedAt, null, 'the session process is released');
        assert.equal(processState(Number(pid.value)), 'dead');
      } finally {
        state.close();
      }
      await until('the command the session ran to be gone', () => processesWith(marker).length === 0);

      // The worktree belongs to the task until it ends; cancelled, the next pass reclaims it.
      assert.equal(fleet.git(alpha, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 2);
      assert.equal(
        (await fleet.factory(['task', 'move', '1', 'cancel', '--reason', 'too slow'], alpha)).status,
        0,
      );
      const tick = await fleet.factory(['loop', 'tick', '--json'], alpha);
      assert.equal(tick.status, 0, tick.stderr);
      assert.equal(fleet.git(alpha, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
      const ended = openRepositoryState(alpha);
      try {
        const left = ended.resources.list(1).filter((r) => r.releasedAt === null);
        assert.deepEqual(left, [], 'every resource of the task is given back');
      } finally {
        ended.close();
      }
      assert.equal(fleet.git(alpha, 'branch', '--list', 'factory/*').trim(), '', tick.stdout);
    } finally {
      await fleet.close();
    }
  });
});
