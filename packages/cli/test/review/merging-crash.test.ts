import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepositoryState } from '@factory/core/state/repository';
import { PullRequests } from '@factory/fleet/state/pull-requests';
import { type ForgeServer, factoryBin, runFactoryAsync, startForgeServer } from '@factory/testkit';
import { byNumber, envFor, type ReviewJson, setup } from './support.js';

/**
 * The crash window of a merge: `merging` is recorded before the forge is asked to merge. A reviewer
 * SIGKILLed in between leaves the request in `merging`; a later review that finds it there longer than a
 * merge can take (FACTORY_MERGING_STALE_SECONDS) reads the forge and recovers it, never merging twice.
 * The reviewer is held in the window by the test-only FACTORY_TEST_PAUSE_MERGING.
 */

function record(dir: string, forge: string, project: string, number: number) {
  const state = openRepositoryState(dir);
  try {
    const pulls = new PullRequests(state.store);
    return { pull: pulls.get(forge, project, number), decisions: pulls.decisions() };
  } finally {
    state.close();
  }
}

async function until(what: string, fn: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `factory review --merge` until it reaches the crash window, then SIGKILLs it there. */
async function killInMergeWindow(manifest: string, env: NodeJS.ProcessEnv, marker: string): Promise<void> {
  const child = spawn(process.execPath, [factoryBin, 'review', '--manifest', manifest, '--merge'], {
    env: { ...env, FACTORY_TEST_PAUSE_MERGING: marker },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await until('the reviewer to reach the merge window', () => existsSync(marker));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

for (const kind of ['github', 'gitlab'] as const) {
  describe(`a ${kind} review killed between recording merging and the merge call`, () => {
    let server: ForgeServer;
    before(async () => {
      server = await startForgeServer();
    });
    after(async () => {
      await server.close();
    });

    it('the forge did not merge: left alone while fresh, then approved again and merged once', async () => {
      const project = `acme/${kind}-crash-open`;
      const { repo, manifest } = setup(kind, project);
      try {
        const pull = (kind === 'github' ? server.github : server.gitlab)(project, { number: 1 });
        const env = envFor(server, repo);
        await killInMergeWindow(manifest, env, join(repo.home, 'in-window'));
        assert.equal(record(repo.dir, kind, project, 1).pull?.state, 'merging');
        assert.equal(pull.mergeCount, 0, 'killed before the merge call');

        const fresh = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], { env });
        assert.equal(
          byNumber(JSON.parse(fresh.stdout) as ReviewJson).get(1)?.detail,
          'left alone: state is merging',
        );
        assert.equal(pull.mergeCount, 0, 'a merge that may be in flight is not repeated');

        const stale = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
          env: { ...env, FACTORY_MERGING_STALE_SECONDS: '0' },
        });
        assert.equal(stale.status, 0, stale.stderr);
        assert.equal(byNumber(JSON.parse(stale.stdout) as ReviewJson).get(1)?.action, 'merged');
        assert.equal(pull.mergeCount, 1);
        const after = record(repo.dir, kind, project, 1);
        assert.equal(after.pull?.state, 'merged');
        assert.ok(
          after.decisions.some((d) =>
            /a review stopped while merging \(merging since .*\); the forge says it is still open on [0-9a-f]{12}: approved again/.test(
              d.detail ?? '',
            ),
          ),
          JSON.stringify(after.decisions.map((d) => d.detail)),
        );
      } finally {
        repo.cleanup();
      }
    });

    it('the forge merged before the reviewer died: the merge is recorded, not made again', async () => {
      const project = `acme/${kind}-crash-merged`;
      const { repo, manifest } = setup(kind, project);
      try {
        const pull = (kind === 'github' ? server.github : server.gitlab)(project, { number: 1 });
        const env = envFor(server, repo);
        await killInMergeWindow(manifest, env, join(repo.home, 'in-window'));
        // The forge's side of the window: it merged, the answer never reached the reviewer.
        pull.state = 'merged';
        pull.mergeCount = 1;
        const stale = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
          env: { ...env, FACTORY_MERGING_STALE_SECONDS: '0' },
        });
        assert.equal(stale.status, 0, stale.stderr);
        const entry = byNumber(JSON.parse(stale.stdout) as ReviewJson).get(1);
        assert.equal(entry?.action, 'already-merged');
        assert.match(entry?.detail ?? '', /the forge says it was merged: recorded/);
        assert.equal(record(repo.dir, kind, project, 1).pull?.state, 'merged');
        assert.equal(pull.mergeCount, 1, 'never merged twice');
      } finally {
        repo.cleanup();
      }
    });
  });
}
