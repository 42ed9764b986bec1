import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { controlPlaceOf, controlPlaces, controlReason } from '@factory/core/config/control-files';
import { homeStoreOf, sshPublicFile } from './home-stores.js';
import { findSecrets } from './secrets.js';

/**
 * Which paths the guard protects, and which hold secrets. Paths are compared as absolute paths after
 * `resolve`, so `./.husky/../.husky/pre-commit`, `$PWD/.husky` and `/abs/repo/.husky` are the same place.
 */

export interface PathContext {
  readonly repoRoot?: string | undefined;
  readonly home: string;
}

export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function isStrictlyInside(child: string, parent: string): boolean {
  return isInside(child, parent) && resolve(child) !== resolve(parent);
}

/**
 * The protected places of a repository and of the home folder, as absolute paths. `containing`: for the
 * question whether removing a folder that holds them switches factory off, which leaves out the places
 * whose removal only makes the hooks block (the factory bin under node_modules).
 */
export function protectedRoots(ctx: PathContext, containing = false): string[] {
  const roots: string[] = [];
  // The repository's control places: one list, in core (what keeps factory on).
  if (ctx.repoRoot)
    for (const place of controlPlaces)
      if (!(containing && place.removableWithFolder)) roots.push(join(ctx.repoRoot, place.path));
  const h = ctx.home;
  roots.push(
    join(h, '.bashrc'),
    join(h, '.profile'),
    join(h, '.zshrc'),
    join(h, '.config', 'husky', 'init.sh'),
    join(h, '.claude', 'settings.json'),
    join(h, '.claude', 'settings.local.json'),
    join(h, '.gitconfig'),
    join(h, '.config', 'git', 'config'),
  );
  return roots;
}

/** Shell start-up files in the home folder: whatever they export, every later command (and hook) gets. */
const STARTUP_FILES =
  /^\.(bashrc|bash_profile|bash_login|bash_logout|bash_aliases|profile|zshrc|zshenv|zprofile|zlogin|kshrc|mkshrc|huskyrc)$/;
/** husky 9 sources ~/.config/husky/init.sh before every hook; fish reads its config; ssh its config. */
const HOME_CONTROL = ['.config/husky/init.sh', '.config/fish/config.fish', '.ssh/config', '.ssh/rc'];

/**
 * Why changing `path` would switch the gates or the guard off, or undefined when it would not.
 * `wholeTree`: the operation reaches everything under the path (rm -r, mv, chmod -R), so a folder that
 * contains a protected place is protected too.
 */
export function protectedReason(path: string, ctx: PathContext, wholeTree: boolean): string | undefined {
  const abs = resolve(path);
  const name = basename(abs);
  if (ctx.repoRoot && isInside(abs, ctx.repoRoot)) {
    const rel = relative(ctx.repoRoot, abs).split(sep).join('/');
    const reason = controlReason(rel);
    if (reason) return reason;
    // A config file of a nested package (a monorepo's packages/x/factory.config.json) is found first there.
    const place = controlPlaceOf(name);
    if (place?.kind === 'config') return `${rel} ${place.why}`;
    if (wholeTree && (rel === '.git' || rel === '.claude')) return `${rel} contains the hook configuration`;
  }
  const h = ctx.home;
  if (/^settings[^/]*\.json$/.test(name) && dirname(abs) === join(h, '.claude'))
    return `~/.claude/${name} configures Claude Code's hooks`;
  if (
    abs === join(h, '.gitconfig') ||
    abs === join(h, '.config', 'git', 'config') ||
    abs === '/etc/gitconfig'
  )
    return 'the global git configuration decides which hooks git runs';
  if (dirname(abs) === h && STARTUP_FILES.test(name))
    return `~/${name} runs in every shell (an export HUSKY=0 there switches the hooks off)`;
  if (HOME_CONTROL.some((place) => abs === join(h, place)))
    return `~/${relative(h, abs)} runs before every git hook or configures how ssh reaches a remote`;
  if (wholeTree) {
    for (const root of protectedRoots(ctx, true)) {
      if (isStrictlyInside(root, abs) && !(ctx.repoRoot && resolve(abs) === resolve(ctx.repoRoot, '..'))) {
        return `it contains ${ctx.repoRoot && isInside(root, ctx.repoRoot) ? relative(ctx.repoRoot, root) : root}`;
      }
    }
  }
  return undefined;
}

/** A glob pattern (absolute, `*?[` per segment) as a matcher of absolute paths. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const segments = resolve(pattern).split('/');
  const regexes = segments.map((segment) => {
    if (!/[*?[]/.test(segment)) return segment;
    let source = '^';
    for (let i = 0; i < segment.length; i++) {
      const c = segment[i]!;
      if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else if (c === '[') {
        const end = segment.indexOf(']', i + 1);
        if (end < 0) source += '\\[';
        else {
          source += `[${segment
            .slice(i + 1, end)
            .replace(/^!/, '^')
            .replace(/\\/g, '\\\\')}]`;
          i = end;
        }
      } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`${source}$`);
  });
  return (path: string) => {
    const parts = resolve(path).split('/');
    if (parts.length !== regexes.length) return false;
    return regexes.every((regex, i) => {
      const part = parts[i]!;
      if (typeof regex === 'string') return regex === part;
      // A leading dot is only matched by a pattern that starts with a dot.
      if (part.startsWith('.') && !segments[i]!.startsWith('.')) return false;
      return regex.test(part);
    });
  };
}

/** The folder above the first glob segment: every expansion of the pattern lies strictly inside it. */
export function globBase(pattern: string): string {
  const segments = resolve(pattern).split('/');
  const index = segments.findIndex((segment) => /[*?[]/.test(segment));
  if (index < 0) return resolve(pattern);
  return segments.slice(0, index).join('/') || '/';
}

/** The protected reason for a glob pattern: does it reach a protected place? */
export function protectedGlobReason(
  pattern: string,
  ctx: PathContext,
  wholeTree: boolean,
  exists: (path: string) => boolean,
): string | undefined {
  // A glob inside a protected folder (`cd .husky; rm -f *`, `.git/hooks/*`) reaches only protected files:
  // judge a literal stand-in for what it matches, whether or not the files exist now.
  const inside = protectedReason(pattern.replace(/[*?[\]]/g, '_'), ctx, wholeTree);
  if (inside && dirname(pattern) !== pattern && !/[*?[]/.test(dirname(pattern))) {
    const folder = protectedReason(join(dirname(pattern), '_'), ctx, false);
    if (folder) return inside;
  }
  const matches = globMatcher(pattern);
  for (const root of protectedRoots(ctx)) {
    let candidate = root;
    for (;;) {
      // A glob only expands to files that exist.
      if (matches(candidate) && exists(candidate)) {
        const reason = protectedReason(candidate, ctx, wholeTree);
        if (reason) return reason;
      }
      const parent = dirname(candidate);
      if (!wholeTree || parent === candidate || (ctx.repoRoot && !isStrictlyInside(parent, ctx.repoRoot)))
        break;
      candidate = parent;
    }
  }
  return undefined;
}

const ENV_TEMPLATE = /\.(example|sample|template|tmpl|dist|defaults?|schema|in)$/i;
const KEY_FILE = /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/;
const KEY_EXTENSION = /\.(pem|key|p12|pfx|jks|keystore|ppk|p8)$/i;
const CREDENTIAL_FILE = /^(\.netrc|_netrc|\.pgpass|\.git-credentials|\.pypirc|credentials\.json|\.htpasswd)$/;

/** Why a path holds secrets (`.env`, private keys, credential files), or undefined. */
export function secretReason(path: string, ctx: PathContext): string | undefined {
  const name = basename(path);
  if (/^\.env(\..+)?$/i.test(name) && !ENV_TEMPLATE.test(name)) return `${name} holds environment secrets`;
  if (KEY_FILE.test(name)) return `${name} is a private key`;
  if (KEY_EXTENSION.test(name)) return `${name} is a key or certificate file`;
  if (CREDENTIAL_FILE.test(name)) return `${name} holds credentials`;
  const abs = resolve(path);
  if (name === 'credentials' && basename(dirname(abs)) === '.aws') return 'the AWS credentials file';
  if (isGitConfigFile(abs, name, ctx.home) && holdsCredential(abs))
    return `${name === 'config' ? '.git/config' : name} holds a credential (a token in a URL)`;
  return secretStoreReason(abs, name, ctx.home);
}

/** git's own configuration files: not secret by name, but a remote's URL may carry a token. */
function isGitConfigFile(abs: string, name: string, home: string): boolean {
  return (
    ((name === 'config' || name === 'config.worktree') && basename(dirname(abs)) === '.git') ||
    abs === join(home, '.gitconfig') ||
    abs === join(home, '.config', 'git', 'config')
  );
}

function holdsCredential(abs: string): boolean {
  try {
    const text = readFileSync(abs, 'utf8').slice(0, 1024 * 1024);
    // A token in a URL, or an authorization header for git's HTTP requests (CI checkouts leave one).
    return (
      findSecrets(text).length > 0 ||
      /extraheader\s*=\s*["']?\s*(authorization|proxy-authorization|private-token|x-api-key)\b/i.test(text)
    );
  } catch {
    return false;
  }
}

/** Secret data files by name (`config/secrets.yml`, `credentials.toml`), not code (`src/secrets.ts`). */
const SECRET_DATA =
  /^([\w.-]*[._-])?(secrets?|credentials?|service[_-]?account[\w.-]*|client[_-]?secrets?[\w.-]*)([._-][\w.-]*)?\.(ya?ml|json|toml|ini|env|txt|properties|conf|cfg|xml|plist)$/i;
const NOT_SECRET_DATA = /example|sample|template|tmpl|dist|default|schema|mock|fake|dummy/i;
const SECRET_NAMES =
  /^(\.vault-token|\.s3cfg|\.boto|\.dockercfg|application_default_credentials\.json|\.credentials\.json)$|\.kdbx$/;
function secretStoreReason(abs: string, name: string, home: string): string | undefined {
  if (/^\/proc\/[^/]+\/environ$/.test(abs)) return `${abs} is a process's whole environment`;
  if (SECRET_NAMES.test(name)) return `${name} holds credentials`;
  if (SECRET_DATA.test(name) && !NOT_SECRET_DATA.test(name)) return `${name} is a file of secrets`;
  // Only paths in the home folder can be one of its stores (most paths are not: skip the joins).
  if (!abs.startsWith(`${home}/`)) return undefined;
  const rel = abs.slice(home.length + 1);
  const store = homeStoreOf(rel);
  if (!store || (store.path === '.ssh/' && sshPublicFile.test(name))) return undefined;
  return `~/${store.path.replace(/\/$/, '')} ${store.why}`;
}

/** A secret reason for a path pattern with globs (`cat .env*`). */
export function secretGlobReason(pattern: string, ctx: PathContext): string | undefined {
  const name = basename(pattern);
  if (/^\.env/i.test(name) || /^\.e[*?[]/.test(name) || (/^[*?]/.test(name) && /env|key|pem|rsa/i.test(name)))
    return `${name} can match secret files`;
  if (/id_[*?[]|id_rsa|id_ed/.test(name)) return `${name} can match private keys`;
  if (/^[*?]*\.(pem|key)$/i.test(name)) return `${name} matches key files`;
  return secretReason(pattern.replace(/[*?[\]]/g, ''), ctx) ? `${name} can match secret files` : undefined;
}
