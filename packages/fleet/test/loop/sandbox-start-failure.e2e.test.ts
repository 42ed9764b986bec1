import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { worktreePath } from '../../src/loop/workspace.js';
import { WorkRequests } from '../../src/state/work-requests.js';
import { makeLoopFleet } from './fixture.js';

/**
 * A task spanning two repositories whose command in the first never ran, because Claude Code's sandbox could
 * not start it ("bwrap: Can't get type of source ...", as when another session's mount point vanished under
 * it), while its command in the second committed: the session says it is done in both. The task must not
 * go to review with the second repository's request alone (and then to done, its first repository's work
 * lost): it is worked again, and ends with a request in each repository. The sandbox fault is injected once
 * by a `bwrap` in front of the real one on PATH; everything else is real (Claude Code, git, the gates).
 */
it('works a spanning task again when a command the sandbox could not start left a repository without its commit', async () => {
  const fleet = await makeLoopFleet(['alpha', 'gamma']);
  try {
    const alpha = fleet.repos.alpha!;
    const gamma = fleet.repos.gamma!;
    const realBwrap = execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim();
    const bin = join(fleet.root, 'fault-bin');
    const spent = join(fleet.root, 'sandbox-fault-spent');
    mkdirSync(bin);
    // bubblewrap's own failure, before the command runs, for the first command that carries the marker.
    writeFileSync(
      join(bin, 'bwrap'),
      [
        '#!/bin/sh',
        'case "$*" in',
        `  *sandbox-fault-once*) if [ ! -e '${spent}' ]; then : > '${spent}'; echo "bwrap: Can't get type of source ${gamma}/.git/factory-hooks: No such file or directory" >&2; exit 1; fi ;;`,
        'esac',
        `exec '${realBwrap}' "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'bwrap'), 0o755);
    fleet.env.PATH = `${bin}:${fleet.env.PATH}`;

    const branch = 'factory/alpha-1-span';
    fleet.scripts.push({
      match: 'SPAN-FAULT',
      script: {
        turns: [
          {
            toolCalls: [
              {
                name: 'Bash',
                input: {
                  command: `: sandbox-fault-once; printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span here'`,
                  description: 'Commit here',
                },
              },
            ],
          },
          {
            toolCalls: [
              {
                name: 'Bash',
                input: {
                  command: `cd ${worktreePath(gamma, branch)} && printf 'span\\n' >> span.txt && git add span.txt && git commit -q -m 'docs: span there'`,
                  description: 'Commit in gamma',
                },
              },
            ],
          },
        ],
        finalText: 'Done in both repositories.',
      },
    });
    const added = await fleet.factory(
      ['task', 'add', 'Span', '--prompt', 'SPAN-FAULT: do it', '--repo', alpha, '--repo', gamma],
      alpha,
    );
    assert.equal(added.status, 0, added.stderr);

    const first = await fleet.factory(['work', '1'], alpha);
    assert.ok(existsSync(spent), 'the sandbox fault was injected');
    const state = openRepositoryState(alpha);
    try {
      const task = state.tasks.get(1);
      assert.equal(task.state, 'ready', `${first.stdout}\n${first.stderr}`);
      assert.match(state.tasks.log(1).at(-2)?.reason ?? '', /sandbox could not start .*alpha/);
      assert.deepEqual(new WorkRequests(state.store).requests(1), [], 'no request opened');
    } finally {
      state.close();
    }
    assert.equal(fleet.forge.pulls('github', 'acme/gamma').length, 0);

    const second = await fleet.factory(['work', '1'], alpha);
    assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
    assert.equal(fleet.forge.pulls('github', 'acme/alpha').length, 1);
    assert.equal(fleet.forge.pulls('github', 'acme/gamma').length, 1);
  } finally {
    await fleet.close();
  }
});
