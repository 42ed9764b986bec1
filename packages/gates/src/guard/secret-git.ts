import { resolve } from 'node:path';
import { gitCalls, operands } from './effects.js';
import { secretGlobReason, secretReason } from './paths.js';
import type { Hit, Rule, RuleInput } from './policy.js';
import type { Arg, Invocation } from './shell/analyze.js';

/**
 * git reading a secret is a read of the secret: `git show HEAD:.env`, `git cat-file -p REV:.env`,
 * `git diff --no-index /dev/null .env`, `git log -p -- .env`, `git blame .env`, `git grep X -- .env`,
 * `git commit -F .env` (the file becomes the message, which `git log` prints). The secret-files rule leaves
 * git alone (its arguments are messages, refs and pathspecs, `git rm --cached .env` is good hygiene), so
 * this rule reads git's own grammar: `REV:PATH` object names, the paths of the commands that print file
 * contents, and the files git reads a message or a note from. Commands that only name the file
 * (`git status .env`, `git check-ignore .env`, `git ls-files`, `git log -- .env`, `git rm --cached .env`)
 * pass.
 */

/** git commands that print (or store where git prints) the contents of the paths they are given. */
const CONTENT_COMMANDS = new Set([
  'show',
  'cat-file',
  'diff',
  'diff-files',
  'diff-index',
  'diff-tree',
  'blame',
  'annotate',
  'grep',
  'archive',
  'format-patch',
  'difftool',
  'merge-file',
  'hash-object',
  'send-email',
  'range-diff',
  'apply',
  'stash',
  'bundle',
]);

/** git commands that print contents only with a patch option (`git log -p -- .env`). */
const PATCH_COMMANDS = new Set(['log', 'whatchanged', 'reflog']);
const PATCH_OPTION = /^(-p|-u|--patch|--patch-with-stat|--patch-with-raw|--cc|--full-diff|-L.*|-[a-zA-Z]*p)$/;

/** Commands whose `REV:PATH` words are object names (not refspecs or URLs as in push, fetch, remote). */
const REFSPEC_COMMANDS = new Set([
  'push',
  'fetch',
  'pull',
  'clone',
  'remote',
  'ls-remote',
  'submodule',
  'config',
  'commit',
  'tag',
  'notes',
  'merge',
  'rebase',
  'cherry-pick',
  'revert',
  'worktree',
  'branch',
]);

/** Options whose value is a file git reads text from (a message, a note, a tag annotation). */
const MESSAGE_FILE = /^(-F|--file)$/;
const MESSAGE_FILE_COMMANDS = new Set(['commit', 'tag', 'notes', 'merge', 'am']);

/** Options of the content commands that take a separate value (not a path). */
const VALUED_SHORT = 'nUSGeOCM';
const VALUED_LONG = [
  '--grep',
  '--author',
  '--committer',
  '--since',
  '--until',
  '--format',
  '--pretty',
  '--max-count',
  '--skip',
  '--date',
  '--diff-filter',
  '--output',
  '--prefix',
  '--remote',
  '--exec',
  '--src-prefix',
  '--dst-prefix',
  '--relative',
  '--word-diff-regex',
  '--contents',
  '--reverse',
];

function plain(value: string, like: Arg): Arg {
  return { ...like, value, raw: like.raw };
}

/** The path part of an object name `REV:PATH` (`HEAD:.env`, `:0:.env`, `main:config/.env`). */
function objectPath(value: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('-')) return undefined;
  const match = /^(?::[0-3])?[^:]*:(.+)$/.exec(value);
  return match?.[1];
}

function judge(
  input: RuleInput,
  inv: Invocation,
  arg: Arg,
  path: string,
  fromRoot: boolean,
  subcommand: string,
): Hit[] {
  const ctx = { repoRoot: input.repoRoot, home: input.home };
  const base = fromRoot && !/^\.\.?\//.test(path) ? (input.repoRoot ?? inv.cwd) : inv.cwd;
  const absolute = path.startsWith('/') ? path : base ? resolve(base, path) : undefined;
  if (absolute === undefined) return [];
  const reason = /[*?[]/.test(path) ? secretGlobReason(absolute, ctx) : secretReason(absolute, ctx);
  return reason ? [{ detail: `git ${subcommand} ${arg.raw}: ${reason}` }] : [];
}

export const secretGit: Rule = {
  id: 'secret-git',
  category: 'secrets',
  description:
    'git printing or storing the contents of a secret file (git show REV:.env, cat-file, diff --no-index, log -p -- .env, commit -F .env)',
  decision: 'deny',
  alternative:
    'Do not read secret files through git either: use .env.example for the variable names; git status, git check-ignore and git log -- .env (without -p) show what you need about the file',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const hits: Hit[] = [];
    for (const {
      inv,
      git: { subcommand, rest },
    } of gitCalls(input.analysis?.invocations ?? [])) {
      if (subcommand === undefined) continue;
      // Object names: every command but those whose words are refspecs, URLs or messages.
      if (!REFSPEC_COMMANDS.has(subcommand)) {
        for (const arg of rest) {
          const path = arg.value === undefined ? undefined : objectPath(arg.value);
          if (path) hits.push(...judge(input, inv, arg, path, true, subcommand));
        }
        // `git cat-file --batch` reads object names from its input.
        const fed =
          inv.stdin?.kind === 'text'
            ? inv.stdin.text
            : inv.stdin?.kind === 'pipe'
              ? inv.stdin.producers
                  .filter((producer) => producer.program === 'echo' || producer.program === 'printf')
                  .flatMap((producer) => producer.args.map((arg) => arg.value ?? ''))
                  .join('\n')
                  .replaceAll('\\n', '\n')
              : '';
        if (subcommand === 'cat-file')
          for (const line of fed.split('\n')) {
            const path = objectPath(line.trim().split(/\s+/)[0] ?? '');
            if (path)
              hits.push(
                ...judge(input, inv, plain(line.trim(), rest[0] ?? inv.args[0]!), path, true, subcommand),
              );
          }
      }
      const reads =
        CONTENT_COMMANDS.has(subcommand) ||
        (PATCH_COMMANDS.has(subcommand) && rest.some((arg) => PATCH_OPTION.test(arg.value ?? '')));
      if (reads)
        for (const word of operands(rest, VALUED_SHORT, VALUED_LONG).words)
          if (word.value !== undefined && objectPath(word.value) === undefined)
            hits.push(...judge(input, inv, word, word.value, false, subcommand));
      if (MESSAGE_FILE_COMMANDS.has(subcommand))
        rest.forEach((arg, i) => {
          const text = arg.value ?? '';
          const file = MESSAGE_FILE.test(text)
            ? rest[i + 1]?.value
            : /^--file=/.test(text)
              ? text.slice(7)
              : /^-F./.test(text)
                ? text.slice(2)
                : undefined;
          if (file && file !== '-') hits.push(...judge(input, inv, arg, file, false, subcommand));
        });
    }
    return hits;
  },
};
