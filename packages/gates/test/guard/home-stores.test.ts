import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { homeSecretStores } from '@factory/gates/guard/home-stores';
import { secretReason } from '@factory/gates/guard/paths';
import { permissionDenyRules, sandboxPaths } from '@factory/gates/install/claude-engines';
import { makeTempDir } from '@factory/testkit';

/**
 * One list of the home folder's credential stores (issue #11): every store the guard refuses to read is
 * in what `factory init` writes, the `Read(...)` permission rules and the sandbox's denyRead.
 */

const home = '/home/someone';
const ctx = { repoRoot: '/work/repo', home };
/** A file that lies in the store (the store itself when it is a file). */
const fileOf = (path: string) => join(home, path.endsWith('/') ? `${path}some-file` : path);

describe('the home folder’s credential stores', () => {
  it('the guard refuses reading every store of the list', () => {
    const missed = homeSecretStores.filter((store) => !secretReason(fileOf(store.path), ctx));
    assert.deepEqual(missed, []);
  });

  it('includes the stores the issue names', () => {
    const known = [
      '.npmrc',
      '.netrc',
      '.git-credentials',
      '.config/gh/hosts.yml',
      '.aws/credentials',
      '.docker/config.json',
      '.kube/config',
      '.ssh/id_ed25519',
      '.gnupg/private-keys-v1.d/abc.key',
      '.config/gcloud/credentials.db',
      '.azure/msal_token_cache.json',
    ];
    assert.deepEqual(
      known.filter((path) => !secretReason(join(home, path), ctx)),
      [],
    );
  });

  it('factory init denies reading every store, in the permission rules and the sandbox', () => {
    const deny = permissionDenyRules();
    const { dir, cleanup } = makeTempDir();
    try {
      const { denyRead } = sandboxPaths(dir, home);
      const missing = homeSecretStores.flatMap((store) => {
        const bare = `~/${store.path.replace(/\/$/, '')}`;
        const rule = store.path.endsWith('/') ? `Read(${bare}/**)` : `Read(${bare})`;
        return [
          ...(deny.includes(rule) ? [] : [`permissions.deny lacks ${rule}`]),
          ...(denyRead.includes(bare) ? [] : [`sandbox denyRead lacks ${bare}`]),
        ];
      });
      assert.deepEqual(missing, []);
    } finally {
      cleanup();
    }
  });

  it('lets ssh’s public files be read', () => {
    for (const name of ['id_ed25519.pub', 'known_hosts', 'config'])
      assert.equal(secretReason(join(home, '.ssh', name), ctx), undefined, name);
  });
});
