import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type FakeFile,
  type ForgeServer,
  GITHUB_LISTED_FILES_LIMIT,
  GITLAB_LISTED_DIFFS_LIMIT,
  runFactoryAsync,
  startForgeServer,
} from '@factory/testkit';
import { byNumber, envFor, failedRules, type ReviewJson, setup } from './support.js';

/**
 * `factory review --merge` must never merge a change that removes the gates: a rename or deletion of a
 * protected path counts under both names, a rename without edits is not "0 lines, small enough", and a
 * file list the forge cut short waits for a human.
 */

const renamedAway: FakeFile[] = [
  {
    filename: 'docs/old-settings.json',
    previousFilename: '.claude/settings.json',
    status: 'renamed',
    additions: 0,
    deletions: 0,
  },
];
const hookDeleted: FakeFile[] = [
  { filename: '.husky/pre-commit', status: 'removed', additions: 0, deletions: 3 },
];
const harmlessRename: FakeFile[] = [
  {
    filename: 'src/new-name.ts',
    previousFilename: 'src/old-name.ts',
    status: 'renamed',
    additions: 0,
    deletions: 0,
  },
];

/** Many harmless files, then a workflow change the forge does not list. */
function hiddenPastTheList(limit: number): FakeFile[] {
  const files: FakeFile[] = Array.from({ length: limit }, (_, i) => ({
    filename: `src/generated/file-${i}.ts`,
    additions: 1,
    deletions: 0,
  }));
  files.push({ filename: '.github/workflows/ci.yml', additions: 0, deletions: 40 });
  return files;
}

for (const forge of ['github', 'gitlab'] as const) {
  const client = forge === 'github' ? 'octokit' : '@gitbeaker/rest';
  describe(`factory review --merge never merges a change that removes the gates (${forge}, real ${client})`, () => {
    let server: ForgeServer;
    before(async () => {
      server = await startForgeServer();
    });
    after(async () => {
      await server.close();
    });

    it('a protected path renamed away or deleted, and a rename without edits, wait for a human', async () => {
      const project = `acme/${forge}-renames`;
      const { repo, manifest } = setup(forge, project);
      try {
        const add = forge === 'github' ? server.github : server.gitlab;
        add(project, { number: 1, title: 'move settings', files: renamedAway });
        add(project, { number: 2, title: 'drop the hook', files: hookDeleted });
        add(project, { number: 3, title: 'rename a source file', files: harmlessRename });
        add(project, { number: 4, title: 'ordinary change' });
        const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
          env: envFor(server, repo),
        });
        assert.equal(run.status, 0, run.stderr);
        const result = JSON.parse(run.stdout) as ReviewJson;
        const verdicts = Object.fromEntries(
          [...byNumber(result)].map(([n, p]) => [n, `${p.verdict}/${p.action}`]),
        );
        assert.deepEqual(verdicts, { 1: 'human/none', 2: 'human/none', 3: 'human/none', 4: 'merge/merged' });
        const failed = failedRules(result);
        assert.ok(failed[1]!.includes('protected-paths'), failed[1]!.join());
        assert.ok(failed[2]!.includes('protected-paths'), failed[2]!.join());
        assert.deepEqual(failed[3], ['size']);
        const size = byNumber(result)
          .get(3)!
          .reasons.find((r) => r.rule === 'size')!;
        assert.match(size.message, /without a line count.*src\/new-name\.ts/);
        const protectedReason = byNumber(result)
          .get(1)!
          .reasons.find((r) => r.rule === 'protected-paths')!;
        assert.match(protectedReason.message, /\.claude\/settings\.json/);
        for (const n of [1, 2, 3]) assert.equal(server.pull(forge, project, n).mergeCount, 0, `#${n} merged`);
        assert.equal(server.pull(forge, project, 4).mergeCount, 1);
      } finally {
        repo.cleanup();
      }
    });

    it('a workflow change hidden past the files the forge lists waits for a human', async () => {
      server.requests.length = 0;
      const project = `acme/${forge}-many-files`;
      const limit = forge === 'github' ? GITHUB_LISTED_FILES_LIMIT : GITLAB_LISTED_DIFFS_LIMIT;
      const { repo, manifest } = setup(forge, project, { maxChangedLines: 100_000 });
      try {
        const add = forge === 'github' ? server.github : server.gitlab;
        const pull = add(project, { number: 1, title: 'regenerate', files: hiddenPastTheList(limit) });
        const run = await runFactoryAsync(['review', '--manifest', manifest, '--merge', '--json'], {
          env: envFor(server, repo),
        });
        assert.equal(run.status, 0, run.stderr);
        const result = JSON.parse(run.stdout) as ReviewJson;
        const entry = byNumber(result).get(1)!;
        assert.equal(entry.verdict, 'human');
        assert.deepEqual(failedRules(result)[1], ['files-listed']);
        assert.match(
          entry.reasons.find((r) => r.rule === 'files-listed')!.message,
          new RegExp(`listed ${limit}`),
        );
        assert.equal(pull.mergeCount, 0);
        assert.equal(server.requests.filter((r) => r.method === 'PUT').length, 0, 'nothing was merged');
      } finally {
        repo.cleanup();
      }
    });
  });
}
