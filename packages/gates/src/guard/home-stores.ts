/**
 * The home folder's stores of credentials, one list: the guard refuses reading them (paths.ts,
 * `secretReason`), and `factory init` writes them into Claude Code's `permissions.deny` (`Read(...)`) and
 * the sandbox's `denyRead` (install/claude-engines.ts), so that what the guard knows by name the engines
 * behind it refuse too. Paths are relative to the home folder; a trailing `/` is a folder (everything
 * below it). Tools run in the sandbox see these as unreadable: `gh`, `aws`, `gcloud` and kin have no
 * credentials there, which is the point (the agent's network is limited to the allowed domains anyway).
 */
export interface HomeStore {
  readonly path: string;
  readonly why: string;
}

export const homeSecretStores: readonly HomeStore[] = [
  // ssh and gpg: private keys (the guard lets `~/.ssh/*.pub`, `known_hosts` and `config` be read). Not
  // the whole of ~/.gnupg: a signed commit (commit.gpgsign) inside the sandbox reads its public keyring
  // and trust database and talks to gpg-agent's socket there; the secret keys are what must not leak.
  { path: '.ssh/', why: 'holds ssh private keys' },
  { path: '.gnupg/private-keys-v1.d/', why: 'holds gpg private keys' },
  { path: '.gnupg/secring.gpg', why: 'holds gpg private keys' },
  // git and forges.
  { path: '.git-credentials', why: 'holds git credentials' },
  { path: '.config/git/credentials', why: 'holds git credentials' },
  { path: '.netrc', why: 'holds credentials for hosts' },
  { path: '.config/gh/hosts.yml', why: 'holds the GitHub CLI’s token' },
  { path: '.config/hub', why: 'holds the hub CLI’s token' },
  { path: '.config/glab-cli/config.yml', why: 'holds the GitLab CLI’s token' },
  { path: '.claude/.credentials.json', why: 'holds Claude Code’s credentials' },
  // package registries.
  { path: '.npmrc', why: 'holds registry tokens' },
  { path: '.yarnrc.yml', why: 'holds registry tokens' },
  { path: '.pypirc', why: 'holds PyPI credentials' },
  { path: '.cargo/credentials', why: 'holds the crates.io token' },
  { path: '.cargo/credentials.toml', why: 'holds the crates.io token' },
  { path: '.gem/credentials', why: 'holds the RubyGems key' },
  // containers and clusters.
  { path: '.docker/config.json', why: 'holds registry credentials' },
  { path: '.dockercfg', why: 'holds registry credentials' },
  { path: '.kube/config', why: 'holds cluster credentials' },
  // cloud CLIs: their folders hold tokens and caches of them.
  { path: '.aws/', why: 'holds AWS credentials and cached session tokens' },
  { path: '.config/gcloud/', why: 'holds Google Cloud credentials and access tokens' },
  { path: '.azure/', why: 'holds Azure tokens' },
  { path: '.oci/', why: 'holds Oracle Cloud keys' },
  { path: '.config/doctl/config.yaml', why: 'holds the DigitalOcean token' },
  { path: '.fly/config.yml', why: 'holds the Fly.io token' },
  { path: '.local/share/com.vercel.cli/auth.json', why: 'holds the Vercel token' },
  { path: '.pulumi/credentials.json', why: 'holds Pulumi tokens' },
  { path: '.terraform.d/credentials.tfrc.json', why: 'holds Terraform Cloud tokens' },
  { path: '.vault-token', why: 'holds a Vault token' },
  { path: '.s3cfg', why: 'holds S3 credentials' },
  { path: '.boto', why: 'holds cloud storage credentials' },
  { path: '.pgpass', why: 'holds database passwords' },
  // password stores and keyrings.
  { path: '.password-store/', why: 'is a password store' },
  { path: '.local/share/keyrings/', why: 'holds the desktop keyring' },
  // Shell and tool histories hold what was typed, tokens included (`export GITHUB_TOKEN=...`).
  { path: '.bash_history', why: 'holds typed commands, tokens included' },
  { path: '.zsh_history', why: 'holds typed commands, tokens included' },
  { path: '.histfile', why: 'holds typed commands, tokens included' },
  { path: '.python_history', why: 'holds typed commands, tokens included' },
  { path: '.node_repl_history', why: 'holds typed commands, tokens included' },
  { path: '.psql_history', why: 'holds typed commands, tokens included' },
  { path: '.mysql_history', why: 'holds typed commands, tokens included' },
  { path: '.sqlite_history', why: 'holds typed commands, tokens included' },
  { path: '.lesshst', why: 'holds searched text' },
  { path: '.local/share/fish/fish_history', why: 'holds typed commands, tokens included' },
];

/** Files of `~/.ssh` that hold no secret: public keys, known hosts, the client's config. */
export const sshPublicFile = /\.pub$|^known_hosts|^config$|^authorized_keys$/;

/** The store that holds `rel` (a path relative to the home folder), or undefined. */
export function homeStoreOf(rel: string): HomeStore | undefined {
  for (const store of homeSecretStores)
    if (
      store.path.endsWith('/')
        ? rel.startsWith(store.path) && rel.length > store.path.length
        : rel === store.path
    )
      return store;
  return undefined;
}

/**
 * A store that lies in the folder `rel` (relative to the home folder; '' is the home folder itself), for
 * the programs that read a folder whole (`tar czf x ~/.ssh`, `grep -r token ~/.config`).
 */
export function homeStoreWithin(rel: string): HomeStore | undefined {
  const prefix = rel === '' ? '' : `${rel.replace(/\/+$/, '')}/`;
  return homeSecretStores.find((store) => store.path.startsWith(prefix));
}
