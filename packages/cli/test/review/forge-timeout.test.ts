import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ForgeServer, runFactoryAsync, startForgeServer } from '@factory/testkit';
import { byNumber, envFor, type ReviewJson, setup } from './support.js';

/** Every forge call has a time limit: a forge that never answers costs seconds and one clear sentence. */
for (const forge of ['github', 'gitlab'] as const) {
  const name = forge === 'github' ? 'GitHub' : 'GitLab';
  describe(`factory review against a ${name} forge that never answers`, () => {
    let server: ForgeServer;
    before(async () => {
      server = await startForgeServer();
    });
    after(async () => {
      await server.close();
    });

    it('a read that gets no answer ends the repository with one sentence, not a hang', async () => {
      const project = `acme/${forge}-silent`;
      const { repo, manifest } = setup(forge, project);
      try {
        (forge === 'github' ? server.github : server.gitlab)(project, { number: 1 });
        server.faults.hang = { count: 100, pathIncludes: forge === 'github' ? project : 'merge_requests' };
        const started = Date.now();
        const run = await runFactoryAsync(['review', '--manifest', manifest, '--json'], {
          env: envFor(server, repo, { FACTORY_FORGE_TIMEOUT_MS: '700' }),
          timeoutMs: 30_000,
        });
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
        assert.equal(run.status, 1, run.stderr);
        assert.equal(run.stderr, '');
        const result = JSON.parse(run.stdout) as ReviewJson;
        assert.equal(
          result.repositories[0]!.error,
          `${name} did not answer within 0.7 s; check the forge's address and the network, or raise FACTORY_FORGE_TIMEOUT_MS.`,
        );
        // Asked once, not again and again while the user waits.
        assert.equal(server.requests.filter((r) => r.status === 0).length, 1);
      } finally {
        server.faults.hang = undefined;
        repo.cleanup();
      }
    });

    it('a merge that gets no answer is not repeated blindly: the request is read again first', async () => {
      const project = `acme/${forge}-silent-merge`;
      const { repo, manifest } = setup(forge, project);
      try {
        const pull = (forge === 'github' ? server.github : server.gitlab)(project, { number: 1 });
        server.faults.hang = { count: 1, pathIncludes: '/1/merge' };
        const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
          env: envFor(server, repo, { FACTORY_FORGE_TIMEOUT_MS: '700' }),
          timeoutMs: 30_000,
        });
        const entry = byNumber(JSON.parse(run.stdout) as ReviewJson).get(1)!;
        const mine = server.requests.filter((r) =>
          r.path.includes(forge === 'github' ? project : 'merge_requests/1'),
        );
        const hung = mine.findIndex((r) => r.status === 0);
        assert.ok(hung >= 0, 'the merge call was made');
        const next = mine.slice(hung + 1);
        assert.ok(next[0] && next[0].method === 'GET', 'read again before any other merge call');
        // Still open with the same head after the silent call: one more merge call, naming the same SHA.
        assert.equal(entry.action, 'merged', run.stdout);
        assert.equal(pull.mergeCount, 1);
        assert.equal(run.status, 0, run.stderr);
      } finally {
        server.faults.hang = undefined;
        repo.cleanup();
      }
    });
  });
}
