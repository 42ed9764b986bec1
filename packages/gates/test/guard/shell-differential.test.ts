import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Analysis, analyseShell } from '@factory/gates/guard/shell/analyze';
import { parse as unbashParse } from 'unbash';

/**
 * The parser proved against two others, over the guard corpus, cc-safety-net's test commands and commands
 * generated from the constructs where hand-written parsers and bash disagree:
 *
 * - bash itself: a DEBUG trap with `extdebug` records every simple command bash would run and skips it
 *   (nothing runs), so bash says which programs a line starts;
 * - unbash 6 (a maintained bash parser in TypeScript, devDependency): the names of every command in its
 *   tree, substitutions included.
 *
 * The property: every program either of them sees, the guard sees too, or the guard refuses the command
 * (unanalysable / parse error). A disagreement in the other direction (the guard sees more) is harmless.
 *
 * Why unbash is only the oracle, not the parser on the hot path: measured here (Node 24.21, 2 shared
 * cores), `import('unbash')` costs 19-27 ms in a fresh process (115 ms cold) and the first parse 4-8 ms;
 * node -e 0 is about 28 ms, and the whole guard decision has a budget of 1.5x that. Warm, a parse costs
 * 0.04 ms. Its `engines` (node >= 14) and zero dependencies would allow shipping it; the load cost does not.
 */

const repo = '/work/repo';
const ctx = { cwd: repo, home: '/home/me', repoRoot: repo, readFile: () => undefined };

/** Programs the guard sees: the program of every invocation, and what the wrappers ran through. */
function guardPrograms(analysis: Analysis): Set<string> {
  const seen = new Set<string>();
  for (const inv of analysis.invocations) {
    seen.add(inv.program);
    for (const via of inv.via) seen.add(via);
  }
  return seen;
}

const refuses = (analysis: Analysis) => analysis.unanalysable.length > 0 || analysis.networkExec.length > 0;

/** Normalises a program name the way the guard does (`/usr/bin/git` is git, `GIT.exe` is git). */
function normal(name: string): string {
  return name
    .replace(/^.*[/\\]/, '')
    .toLowerCase()
    .replace(/\.exe$/, '')
    .replace(/^python[\d.]*$/, 'python')
    .replace(/^git-[a-z-]+$/, 'git');
}

/** Keywords bash reports as the start of a compound command, and words that are not literal names. */
const NOT_A_NAME = /^(for|case|select|while|until|if|\(\(.*|\[\[|\{|!|function|coproc)$|[$`"'\\(){}]/;

function unbashPrograms(command: string): string[] | undefined {
  let tree: unknown;
  try {
    tree = unbashParse(command);
  } catch {
    return undefined;
  }
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const record = node as Record<string, unknown>;
    if (record.type === 'Command' && record.name && typeof record.name === 'object') {
      const name = record.name as { value?: unknown; text?: unknown; parts?: unknown };
      // Only literal names: a name with expansions is the guard's "run-time program" refusal.
      if (typeof name.value === 'string' && !name.parts && !NOT_A_NAME.test(name.value))
        names.push(normal(name.value));
    }
    for (const [key, value] of Object.entries(record)) if (key !== 'parent') walk(value);
  };
  walk(tree);
  return names;
}

/** Every simple command bash would run for the line, recorded by a DEBUG trap that skips them all. */
const ORACLE = [
  'set -T',
  'shopt -s extdebug',
  `trap 'if [[ "$BASH_COMMAND" == "eval \\"\\$1\\"" ]]; then true; else printf "%s\\0" "$BASH_COMMAND" >&3; false; fi' DEBUG`,
  'eval "$1"',
].join('\n');

function bashPrograms(commands: readonly string[]): Array<string[] | undefined> {
  // One bash per command, all from one node process: the commands never run (the trap skips them).
  return commands.map((command) => {
    const result = spawnSync('bash', ['-c', `${ORACLE}`, 'oracle', command], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      timeout: 5000,
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' },
    });
    const out = (result.output?.[3] as string | null) ?? '';
    if (result.error) return undefined;
    // BASH_COMMAND is the text before expansion: only a literal first word names the program.
    return out
      .split('\0')
      .filter((line) => line !== '' && !/^\s*[A-Za-z_]\w*(\[[^\]]*\])?\+?=/.test(line))
      .map((line) => /^\s*(\S+)/.exec(line)?.[1] ?? '')
      .filter((word) => word !== '' && !NOT_A_NAME.test(word))
      .map(normal);
  });
}

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const jsonl = (path: string): Array<Record<string, string>> =>
  readFileSync(join(fixtures, path), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, string>);

const corpus = [
  ...jsonl('guard-corpus/must-refuse.jsonl'),
  ...jsonl('guard-corpus/must-pass.jsonl'),
  ...jsonl('guard-hostile/hostile.jsonl'),
  ...jsonl('guard-hostile/everyday.jsonl'),
]
  .filter((entry) => entry.tool === 'Bash' && typeof entry.command === 'string')
  .map((entry) => entry.command!);
const safetyNet = jsonl('cc-safety-net/cases.jsonl').map((entry) => entry.command!);

/** Commands built from the constructs where the guard's parser and bash used to disagree. */
function generated(): string[] {
  const inner = ['git reset --hard', 'git push -f origin main', 'rm -rf /', 'git commit --no-verify -m x'];
  const frames = [
    (c: string) => `echo ok \r# ; ${c}`,
    (c: string) => `echo "\${x:-"}"}"; ${c}`,
    (c: string) => `echo \${x:-'}'}; ${c}`,
    (c: string) => `a=(\\) "\\"" $(${c})) ; ls`,
    (c: string) => `a=( x \`${c}\` )`,
    (c: string) => `(( y = $(${c}) ))`,
    (c: string) => `echo $(( $(${c}) + 1 ))`,
    (c: string) => `for (( i = $(${c}); i < 1; i++ )); do :; done`,
    (c: string) => `time -p ${c}`,
    (c: string) => `time -p -- ${c}`,
    (c: string) => `cat <<EOF\nx\nEO\\\nF\n${c}\nEOF`,
    (c: string) => `cat <<'EOF'\n$(${c})\nEOF\nls`,
    (c: string) => `cat <<-EOF\n\t$(${c})\n\tEOF`,
    (c: string) => `f() { ${c}; }; f`,
    (c: string) => `function g { ${c}; }`,
    (c: string) => `case x in x) ${c};; esac`,
    (c: string) => `if true; then ${c}; fi`,
    (c: string) => `while false; do ${c}; done`,
    (c: string) => `{ ${c}; } 2>/dev/null`,
    (c: string) => `! ${c}`,
    (c: string) => `x=1 ${c}`,
    (c: string) => `${c} # comment`,
    (c: string) => `echo \\\n; ${c}`,
    (c: string) => `[[ -n "$(${c})" ]]`,
    (c: string) => `echo "$(echo "$(${c})")"`,
    (c: string) => `echo \${x:-$(${c})}`,
    (c: string) => `coproc ${c}`,
  ];
  const out: string[] = [];
  for (const frame of frames) for (const command of inner) out.push(frame(command));
  // Brace and word forms of the programs themselves.
  out.push(
    'git reset {--hard,HEAD~3}',
    '{git,echo} push -f',
    'g{i,}t status',
    'GIT reset --hard',
    '/usr/bin/git push -f',
  );
  return out;
}

function disagreements(commands: readonly string[], oracle: 'bash' | 'unbash'): string[] {
  const theirs = oracle === 'bash' ? bashPrograms(commands) : commands.map(unbashPrograms);
  const out: string[] = [];
  commands.forEach((command, index) => {
    const names = theirs[index];
    if (!names || names.length === 0) return;
    const analysis = analyseShell(command, ctx);
    if (refuses(analysis)) return;
    const ours = guardPrograms(analysis);
    const missing = names.filter(
      (name) => !ours.has(name) && !['eval', 'exec', 'command', 'builtin'].includes(name),
    );
    // Function names defined in the same line run their bodies, which the guard analysed.
    const defined = new Set(
      [...command.matchAll(/(?:^|[;&|{\s])(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)/g)].map(
        (match) => match[1]!,
      ),
    );
    const real = missing.filter((name) => !defined.has(name) && !/^(function|g)$/.test(name));
    if (real.length > 0)
      out.push(`${JSON.stringify(command)}: ${oracle} runs ${real.join(', ')}, the guard does not see it`);
  });
  return out;
}

describe('the shell parser against bash and unbash', () => {
  const commands = [...new Set([...corpus, ...safetyNet, ...generated()])];

  it('sees every program that unbash finds, or refuses the command', () => {
    assert.ok(commands.length > 900, `${commands.length} commands`);
    assert.deepEqual(disagreements(commands, 'unbash'), []);
  });

  it('sees every program that bash itself would run, or refuses the command', { timeout: 300_000 }, () => {
    assert.deepEqual(disagreements(commands, 'bash'), []);
  });
});
