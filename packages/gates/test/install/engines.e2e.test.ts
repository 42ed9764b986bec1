import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, type TempRepo } from '@factory/testkit';
import { initFactory } from '../helpers.js';

/**
 * What `factory init` asks of Claude Code's own engines, through the built bin in real repositories: the
 * sandbox from the config (and nothing of it when switched off), the values of an earlier init replaced
 * exactly (the user's kept), and notes when the machine cannot honour them.
 */

function settings(repo: TempRepo) {
  return JSON.parse(repo.read('.claude/settings.local.json'));
}

describe('factory init: Claude Code’s permission rules and sandbox', () => {
  it('takes the network allow list from the config; a later init replaces its own domains, keeps the user’s', () => {
    const repo = makeTempRepo({ files: { 'README.md': '#\n' } });
    try {
      repo.write(
        'factory.config.json',
        JSON.stringify({ sandbox: { network: { allowedDomains: ['a.example'] } } }),
      );
      assert.equal(initFactory(repo).status, 0);
      const first = settings(repo);
      assert.deepEqual(first.sandbox.network.allowedDomains, ['a.example']);
      // The user adds a domain of their own in the settings; the human changes the config.
      first.sandbox.network.allowedDomains.push('mine.example');
      repo.write('.claude/settings.local.json', JSON.stringify(first, null, 2));
      repo.write(
        'factory.config.json',
        JSON.stringify({ sandbox: { network: { allowedDomains: ['b.example'] } } }),
      );
      assert.equal(initFactory(repo).status, 0);
      assert.deepEqual(settings(repo).sandbox.network.allowedDomains, ['mine.example', 'b.example']);
      // Switched off: factory's sandbox values go, the user's stay.
      repo.write('factory.config.json', JSON.stringify({ sandbox: { enabled: false } }));
      assert.equal(initFactory(repo).status, 0);
      assert.deepEqual(settings(repo).sandbox, { network: { allowedDomains: ['mine.example'] } });
      assert.ok(settings(repo).permissions.deny.includes('Read(**/.env)'), 'the permission rules stay');
    } finally {
      repo.cleanup();
    }
  });

  it('notes an old Claude Code and a missing bubblewrap or socat, with the fix', () => {
    const repo = makeTempRepo({ files: { 'README.md': '#\n' } });
    try {
      // A PATH with git and sh but neither bwrap nor socat, and a Claude Code from before onFailure.
      const bin = join(repo.home, 'bin');
      mkdirSync(bin);
      for (const tool of ['git', 'sh']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
      const claude = repo.write('old/claude', '#!/bin/sh\necho "2.1.200 (Claude Code)"\n');
      chmodSync(claude, 0o755);
      const out = initFactory(repo, [], { ...repo.env, PATH: bin, FACTORY_CLAUDE: claude });
      assert.equal(out.status, 0, out.stderr);
      assert.match(
        out.stdout,
        /Claude Code 2\.1\.200 is older than 2\.1\.295: it ignores "onFailure": "block"/,
      );
      assert.match(
        out.stdout,
        /sandbox needs bubblewrap and socat, which is not installed.*apt-get install -y bubblewrap socat/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
