import { relative, resolve, sep } from 'node:path';
import {
  controlPlaceOf,
  installedPackageName,
  packageJsonConfigKey,
} from '@factory/core/config/control-files';
import { gitSubcommand, operands } from './effects.js';
import { isInside } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Arg, Invocation } from './shell/analyze.js';

/**
 * Control places changed by programs that are not file writers: `npm pkg set factory...` and
 * `npm pkg delete factory` (package.json's `factory` key is a config search place), `npm uninstall` of
 * the package that holds the factory bin, `git update-index --assume-unchanged/--skip-worktree/--chmod`
 * on a control file (git then stops seeing or commits a change to it), `git rm --cached` and
 * `git stash push` naming one, `git sparse-checkout set/add/init` (which removes every folder outside the
 * cone from the working tree, `.husky/` and `.claude/` among them), and `husky uninstall`.
 */

const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun', 'cnpm']);
const UNINSTALL = new Set(['uninstall', 'remove', 'rm', 'r', 'un', 'unlink']);
/** The packages whose bin the hooks run. */
const FACTORY_PACKAGE = new RegExp(`^(factory|${installedPackageName}|@factory/[\\w.-]+)(@.*)?$`);

function controlPath(input: RuleInput, inv: Invocation, arg: Arg): string | undefined {
  if (arg.value === undefined || !input.repoRoot) return undefined;
  const base = inv.cwd ?? input.cwd;
  const path = resolve(base, arg.value.replace(/^:\(top\)|^:\//, input.repoRoot + sep));
  if (!isInside(path, input.repoRoot)) return undefined;
  const rel = relative(input.repoRoot, path).split(sep).join('/');
  const place = controlPlaceOf(rel);
  return place ? `${rel} ${place.why}` : undefined;
}

/** The `prepare` script of a package.json's text (JSON of it; undefined when the text is not JSON). */
export function prepareScript(text: string): string | undefined {
  try {
    return (
      JSON.stringify((JSON.parse(text) as { scripts?: { prepare?: unknown } }).scripts?.prepare) ?? 'none'
    );
  } catch {
    return undefined;
  }
}

function packageManagerHits(inv: Invocation): Hit[] {
  const hits: Hit[] = [];
  const { words } = operands(inv.args, '', ['--workspace', '-w', '--prefix', '--filter']);
  const values = words.map((word) => word.value);
  const verb = values[0];
  if (verb === 'pkg' && (values[1] === 'set' || values[1] === 'delete')) {
    for (const value of values.slice(2)) {
      const key = value?.split('=')[0];
      if (key === undefined)
        hits.push({ detail: `${inv.program} pkg ${values[1]} with a key only known at run time` });
      else if (
        key === packageJsonConfigKey ||
        key.startsWith(`${packageJsonConfigKey}.`) ||
        key.startsWith(`${packageJsonConfigKey}[`)
      )
        hits.push({
          detail: `${inv.program} pkg ${values[1]} ${key}: package.json#${packageJsonConfigKey} is a place of the gates' and the guard's configuration`,
        });
      else if (key === 'scripts.prepare' || key === 'scripts' || key === 'scripts[prepare]')
        hits.push({
          detail: `${inv.program} pkg ${values[1]} ${key}: package.json's prepare script runs at every install and is where husky installs the git hooks on a fresh clone`,
        });
    }
  }
  if (verb !== undefined && UNINSTALL.has(verb))
    for (const value of values.slice(1))
      if (value !== undefined && FACTORY_PACKAGE.test(value))
        hits.push({
          detail: `${inv.program} ${verb} ${value} removes the factory bin that the git hooks and the guard run`,
        });
  return hits;
}

function gitHits(input: RuleInput, inv: Invocation): Hit[] {
  const hits: Hit[] = [];
  const { subcommand, rest } = gitSubcommand(inv.args, inv.env);
  const flags = rest.map((arg) => arg.value ?? '');
  const named = (args: readonly Arg[]) =>
    args.flatMap((arg) => {
      const reason = controlPath(input, inv, arg);
      return reason ? [reason] : [];
    });
  switch (subcommand) {
    case 'update-index': {
      // Only undoing (--no-assume-unchanged, --no-skip-worktree) and refreshing leave the control files be.
      const harmless = flags.every(
        (flag) =>
          !flag.startsWith('-') ||
          /^--(no-assume-unchanged|no-skip-worktree|refresh|really-refresh|q|quiet|ignore-missing|verbose)$/.test(
            flag,
          ),
      );
      if (!harmless)
        for (const reason of named(operands(rest, '', ['--cacheinfo', '--chmod', '--index-version']).words))
          hits.push({ detail: `git update-index on ${reason}` });
      break;
    }
    case 'rm':
      if (flags.includes('--cached'))
        for (const reason of named(operands(rest).words))
          hits.push({ detail: `git rm --cached takes ${reason} out of the repository` });
      break;
    case 'stash': {
      // The verb comes before `--` (`git stash -u -- .husky` is a push of .husky).
      const beforeDash = flags.indexOf('--') >= 0 ? flags.slice(0, flags.indexOf('--')) : flags;
      const verb = beforeDash.find((flag) => !flag.startsWith('-'));
      if (verb === undefined || verb === 'push' || verb === 'save') {
        const dash = rest.findIndex((arg) => arg.value === '--');
        const paths =
          dash >= 0 ? rest.slice(dash + 1) : operands(rest, 'm', ['--message']).words.slice(verb ? 1 : 0);
        for (const reason of named(paths)) hits.push({ detail: `git stash takes away ${reason}` });
      }
      break;
    }
    case 'sparse-checkout': {
      const verb = flags.find((flag) => !flag.startsWith('-'));
      if (['set', 'add', 'init', 'reapply'].includes(verb ?? ''))
        hits.push({
          detail: `git sparse-checkout ${verb} removes the folders outside the cone from the working tree (.husky/, .claude/ among them)`,
        });
      break;
    }
  }
  return hits;
}

export const controlWriters: Rule = {
  id: 'control-writers',
  category: 'gate-skip',
  description:
    'control places changed by other programs: npm pkg set/delete factory, uninstalling the factory bin, git update-index --assume-unchanged/--skip-worktree, git rm --cached, git stash or git sparse-checkout on a control file, husky uninstall',
  decision: 'deny',
  alternative:
    "These places switch the gates and the guard on; ask the human to change them (factory init re-installs them, factory doctor checks them). Edit package.json's other keys as usual",
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const inv of input.analysis?.invocations ?? []) {
      if (PACKAGE_MANAGERS.has(inv.program)) hits.push(...packageManagerHits(inv));
      else if (inv.program === 'git') hits.push(...gitHits(input, inv));
      else if (inv.program === 'husky' && inv.args[0]?.value === 'uninstall')
        hits.push({ detail: 'husky uninstall unsets core.hooksPath: git stops running the hooks' });
    }
    return hits;
  },
};
