import { gitSubcommand, operands } from './effects.js';
import type { Hit, Rule } from './policy.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Effects outside the repository that cannot be taken back or that change what later commands trust:
 * publishing a package or an image (`npm publish`: a version number can never be used again), a release
 * or a repository deleted on the forge, logging in to a registry (a token written to the user's config),
 * the user's package-manager config (`npm config set registry http://evil.example`: every later install
 * comes from there), and the remote git pushes to (`git remote set-url origin /tmp/evil`). Refused rather
 * than asked: like a push to main, these are the human's to do, and in `-p` mode nobody can answer.
 */

interface Effect {
  readonly programs: readonly string[];
  /** The first operands, in order (`['config', 'set']`); `*` matches any word. */
  readonly words: readonly (string | readonly string[])[];
  /** Further options that must be present (any of them). */
  readonly option?: RegExp;
  readonly what: string;
}

const JS = ['npm', 'pnpm', 'yarn', 'bun', 'cnpm'];
const PUBLISH = ['publish', 'unpublish', 'deprecate'];
const EFFECTS: readonly Effect[] = [
  {
    programs: JS,
    words: [PUBLISH],
    what: 'publishes to the package registry, which cannot be undone (a version can never be reused)',
  },
  {
    programs: ['yarn'],
    words: ['npm', PUBLISH],
    what: 'publishes to the package registry, which cannot be undone',
  },
  {
    programs: JS,
    words: [['dist-tag', 'owner', 'access', 'team', 'org', 'hook']],
    option: /^(add|rm|remove|set|grant|revoke|create|destroy|public|restricted)$/,
    what: "changes the package's owners, tags or access on the registry",
  },
  {
    programs: JS,
    words: [['adduser', 'login', 'add-user', 'token']],
    what: 'logs in to the registry or manages tokens (writes a token into the user’s config)',
  },
  { programs: ['yarn'], words: ['npm', ['login', 'logout']], what: 'logs in to the registry' },
  {
    programs: JS,
    words: [
      ['config', 'c'],
      ['set', 'delete', 'rm', 'edit', 'fix'],
    ],
    what: "changes the package manager's configuration (the registry every later install trusts)",
  },
  {
    programs: ['npm', 'pnpm', 'cnpm'],
    words: [['set', 'set-script']],
    what: "changes the package manager's configuration",
  },
  {
    programs: ['cargo'],
    words: [['publish', 'yank', 'owner', 'login']],
    what: 'publishes to crates.io or changes its owners, which cannot be undone',
  },
  {
    programs: ['gem'],
    words: [['push', 'yank', 'owner', 'signin']],
    what: 'publishes to RubyGems, which cannot be undone',
  },
  { programs: ['twine'], words: ['upload'], what: 'publishes to PyPI, which cannot be undone' },
  {
    programs: ['poetry', 'uv', 'flit', 'hatch', 'pdm'],
    words: ['publish'],
    what: 'publishes to PyPI, which cannot be undone',
  },
  {
    programs: ['docker', 'podman', 'buildah', 'nerdctl'],
    words: [['push', 'login']],
    what: 'pushes an image to a registry or logs in to one',
  },
  {
    programs: ['docker', 'podman'],
    words: [['image', 'manifest', 'buildx'], 'push'],
    what: 'pushes an image to a registry',
  },
  {
    programs: ['docker', 'podman'],
    words: ['buildx', 'build'],
    option: /^--push$/,
    what: 'pushes an image to a registry',
  },
  { programs: ['helm'], words: [['push', 'registry']], what: 'pushes a chart to a registry' },
  {
    programs: ['gh'],
    words: ['release', ['create', 'delete', 'upload', 'edit', 'delete-asset']],
    what: 'publishes or changes a release on the forge',
  },
  {
    programs: ['gh'],
    words: ['repo', ['delete', 'archive', 'rename', 'edit', 'transfer']],
    what: 'deletes, renames or changes the repository on the forge',
  },
  {
    programs: ['gh'],
    words: [
      ['secret', 'variable'],
      ['set', 'delete', 'remove'],
    ],
    what: "changes the repository's secrets or variables on the forge",
  },
  {
    programs: ['gh'],
    words: ['pr', 'merge'],
    option: /^--admin$/,
    what: 'merges past the branch protection (--admin)',
  },
  {
    programs: ['gh'],
    words: ['auth', ['login', 'refresh', 'setup-git', 'token']],
    what: 'logs in to the forge or prints its token',
  },
  {
    programs: ['gh'],
    words: ['api'],
    option: /^(-XDELETE|--method=DELETE|DELETE)$/i,
    what: 'deletes something on the forge through its API',
  },
  {
    programs: ['glab'],
    words: ['release', ['create', 'delete', 'upload']],
    what: 'publishes or changes a release on the forge',
  },
  {
    programs: ['glab'],
    words: ['repo', ['delete', 'archive', 'transfer']],
    what: 'deletes or moves the repository on the forge',
  },
];

function matches(effect: Effect, inv: Invocation): boolean {
  if (!effect.programs.includes(inv.program)) return false;
  const { words } = operands(inv.args, '', [
    '--registry',
    '--workspace',
    '--filter',
    '--prefix',
    '--otp',
    '--tag',
    '--access',
    '-w',
    '--cwd',
  ]);
  const values = words.map((word) => word.value);
  for (const [i, expected] of effect.words.entries()) {
    const value = values[i];
    if (value === undefined) return false;
    if (typeof expected === 'string' ? value !== expected : !expected.includes(value)) return false;
  }
  if (!effect.option) return true;
  const rest = inv.args.map((arg) => arg.value ?? '');
  return rest.some(
    (word, i) =>
      effect.option!.test(word) ||
      (/^(-X|--method)$/.test(word) && effect.option!.test(`-X${rest[i + 1] ?? ''}`)),
  );
}

export const externalEffects: Rule = {
  id: 'external-effects',
  category: 'network',
  description:
    'irreversible or trust-changing effects outside the repository: npm publish (and other registries, images, releases), registry logins, npm config set, git remote set-url',
  decision: 'deny',
  alternative:
    'Leave publishing, logins, registry configuration and remotes to the human: prepare the change (npm pack --dry-run shows what would be published) and ask them to run it in a terminal',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      // A dry run shows what would happen and does nothing (npm publish --dry-run, cargo publish --dry-run).
      const dryRun = inv.args.some((arg) => arg.value === '--dry-run');
      for (const effect of EFFECTS)
        if (!dryRun && matches(effect, inv)) {
          hits.push({
            detail: `${inv.program} ${inv.args
              .slice(0, 2)
              .map((arg) => arg.raw)
              .join(' ')} ${effect.what}`,
          });
          break;
        }
      if (inv.program !== 'git') continue;
      const { subcommand, rest } = gitSubcommand(inv.args, inv.env);
      const verb = rest.find((arg) => !(arg.value ?? '-').startsWith('-'))?.value;
      if (subcommand === 'remote' && (verb === 'set-url' || verb === 'rename'))
        hits.push({ detail: `git remote ${verb} changes where git fetches from and pushes to` });
      if (subcommand === 'send-email') hits.push({ detail: 'git send-email sends mail' });
    }
    return hits;
  },
};
