import type { Hit, Rule } from './policy.js';
import { findSecrets } from './secrets.js';
import type { Invocation } from './shell/analyze.js';

/**
 * Secrets in the environment: the hook runs with the agent's environment, so tokens there
 * (`GITHUB_TOKEN`, `ANTHROPIC_API_KEY`, ...) are one expansion away from the transcript or the network.
 * Refused: expanding a variable whose name says secret, or whose value (in the actual environment) is
 * token-shaped, into a command's arguments, input or output (`echo $GITHUB_TOKEN`,
 * `curl "https://x/?t=$GITHUB_TOKEN"`, a copy `X=$GITHUB_TOKEN; echo $X`); `printenv NAME` of one; dumping
 * the whole environment (`env`, `printenv`, `export -p`, `set`, `declare -p`, `/proc/self/environ`,
 * `ps e`, `jq -n env`, `process.env` in inline code) when the environment holds one, unless a `grep`
 * filter in the pipe leaves only other lines (`env | grep NODE`). Testing that a secret is set
 * (`[ -n "$GITHUB_TOKEN" ]`, `${#TOKEN}`, `${TOKEN:+set}`) passes, and so does giving one to a program
 * through the environment (`GH_TOKEN=$GITHUB_TOKEN gh pr list`), where it stays out of the command line.
 */

/** Variable names that say they hold a secret. */
const SECRET_NAME =
  /PASSW(OR)?D|PASSPHRASE|SECRET|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY|(^|_)(TOKEN|PAT|KEY|DSN|COOKIE|SESSION)S?(_|$)|TOKEN$/i;
/** Names that look secret but are not (public keys, ids of keys, settings about tokens). */
const NOT_SECRET_NAME = /PUBLIC|PUBLISHABLE|_KEY_ID$|_KEY_PATH$|_KEY_FILE$|TOKENIZERS/i;

export function secretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** Whether `name` holds a secret, by its name or by its value in `env`. */
function secretVariable(name: string, env: NodeJS.ProcessEnv, tainted: ReadonlySet<string>): boolean {
  if (secretName(name) || tainted.has(name)) return true;
  const value = env[name];
  return value !== undefined && value.length >= 16 && findSecrets(`${value}`).length > 0;
}

/** The environment's secret variables (names only). */
function secretsInEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => env[name] && secretVariable(name, env, new Set()));
}

interface Reference {
  readonly name: string;
  /** `${#X}`, `${X:+word}`, `${!X*}`: the value itself is not expanded. */
  readonly hidden: boolean;
}

/**
 * The variables a piece of shell text expands: `$NAME`, `${NAME...}`, `${!NAME}` (outside single quotes;
 * `\$` is literal).
 */
export function variableReferences(text: string): Reference[] {
  const out: Reference[] = [];
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (single) {
      if (c === "'") single = false;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'" && !double) {
      single = true;
      continue;
    }
    if (c === '"') {
      double = !double;
      continue;
    }
    if (c !== '$') continue;
    const next = text[i + 1];
    if (next === '{') {
      const brace = /^\$\{([#!]?)([A-Za-z_][A-Za-z0-9_]*)([^}]{0,200})\}?/.exec(text.slice(i));
      if (!brace) continue;
      const [, sigil, name, tail] = brace;
      const hidden = sigil === '#' || (sigil === '!' && /^[*@]/.test(tail ?? '')) || /^:?\+/.test(tail ?? '');
      out.push({ name: name!, hidden });
      // Past the name only: the rest (`${X:+$Y}`, `${X:-$Y}`) may expand more.
      i += 1 + (sigil?.length ?? 0) + name!.length;
    } else {
      const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
      if (plain) {
        out.push({ name: plain[1]!, hidden: false });
        i += plain[0].length - 1;
      }
    }
  }
  return out;
}

/** Programs that only test: `[ -n "$TOKEN" ]` prints nothing. */
const TESTS = new Set(['[', '[[', 'test']);

/** `NAME=...$SECRET...` anywhere in the command: NAME holds a copy of the secret. */
function tainted(command: string, env: NodeJS.ProcessEnv): Set<string> {
  const names = new Set<string>();
  const assignments = [...command.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|[^\s;&|'"]*)/g)].filter(
    (match) => match[2]!.includes('$'),
  );
  // Copies of copies: a few rounds reach `A=$TOKEN; B=$A`.
  for (let round = 0; round < 3 && assignments.length > 0; round++)
    for (const [, name, value] of assignments)
      if (
        !names.has(name!) &&
        variableReferences(value!).some((ref) => !ref.hidden && secretVariable(ref.name, env, names))
      )
        names.add(name!);
  return names;
}

/** Programs and forms that print the whole environment. */
function dumpsEnvironment(inv: Invocation): string | undefined {
  const words = inv.args.map((arg) => arg.value ?? '');
  const operands = words.filter((word) => !word.startsWith('-'));
  switch (inv.program) {
    case 'env':
      // Wrappers are unwrapped by the analysis: what is left here is `env` with no program.
      return operands.every((word) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) ? 'env' : undefined;
    case 'printenv':
      return operands.length === 0 ? 'printenv' : undefined;
    case 'export':
    case 'declare':
    case 'typeset':
    case 'readonly':
      return operands.length === 0 || words.includes('-p') ? `${inv.program} -p` : undefined;
    case 'set':
      return words.length === 0 ? 'set' : undefined;
    case 'ps':
      // BSD-style `e` (ps e, ps auxe, ps eww) and -E print every process's environment.
      return /^[a-zA-Z]*e[a-zA-Z]*$/.test(words[0] ?? '') ? 'ps e' : undefined;
    case 'jq':
    case 'gojq':
    case 'yq':
      return words.some((word) => /(^|[^.\w$])env\b(?!\s*\.\s*\w)|\$ENV\b(?!\s*\.\s*\w)/.test(word))
        ? `${inv.program} env`
        : undefined;
    default:
      return undefined;
  }
}

/** `env | grep NODE`: the lines a literal grep filter in the pipe keeps; undefined when it is not one. */
function grepFilter(consumer: Invocation): ((line: string) => boolean) | undefined {
  if (!['grep', 'egrep', 'fgrep', 'rg'].includes(consumer.program)) return undefined;
  const flags = consumer.args.filter((arg) => (arg.value ?? '').startsWith('-')).map((arg) => arg.value!);
  if (flags.some((flag) => !/^-[iwF]+$|^--ignore-case$|^--fixed-strings$/.test(flag))) return undefined;
  const patterns = consumer.args.filter((arg) => !(arg.value ?? '-').startsWith('-'));
  const pattern = patterns.length === 1 ? patterns[0]!.value : undefined;
  if (pattern === undefined || !/^[A-Za-z0-9_=^]+$/.test(pattern)) return undefined;
  const ignoreCase = flags.some((flag) => flag.includes('i') || flag === '--ignore-case');
  const anchored = pattern.startsWith('^');
  const needle = anchored ? pattern.slice(1) : pattern;
  const norm = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  return (line) => (anchored ? norm(line).startsWith(norm(needle)) : norm(line).includes(norm(needle)));
}

const INLINE_DUMP =
  /process\.env\b(?!\s*(\.\s*[A-Za-z_]|\[\s*['"`]))|os\.environ\b(?!\s*(\[\s*['"]|\.get\s*\(\s*['"]))|\bENVIRON\b(?!\s*\[\s*")|%ENV\b|\bENV\.(to_h|each|inspect|to_a)\b|Deno\.env\.toObject/;
const INLINE_NAMES =
  /process\.env\s*(?:\.\s*|\[\s*['"`])([A-Za-z_][A-Za-z0-9_]*)|os\.(?:environ\s*(?:\[\s*['"]|\.get\s*\(\s*['"])|getenv\s*\(\s*['"])([A-Za-z_][A-Za-z0-9_]*)|ENVIRON\s*\[\s*"([A-Za-z_][A-Za-z0-9_]*)|\$ENV\{['"]?([A-Za-z_][A-Za-z0-9_]*)|ENV\s*\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)|ENV\.fetch\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)|Deno\.env\.get\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)|getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)/g;

/** PowerShell: `$env:GITHUB_TOKEN`, and `Get-ChildItem env:` (and its aliases) when secrets are there. */
function powerShellHits(command: string, env: NodeJS.ProcessEnv): Hit[] {
  const hits: Hit[] = [];
  for (const match of command.matchAll(/\$env:([A-Za-z_][A-Za-z0-9_]*)/gi))
    if (secretVariable(match[1]!, env, new Set())) hits.push({ detail: `$env:${match[1]} expands a secret` });
  if (
    /\b(Get-ChildItem|gci|dir|ls|Get-Item)\s+env:(\s|$|\||;)|\[Environment\]::GetEnvironmentVariables/i.test(
      command,
    )
  ) {
    const present = secretsInEnvironment(env);
    if (present.length > 0)
      hits.push({
        detail: `listing env: prints the whole environment, which holds secrets (${present.slice(0, 3).join(', ')})`,
      });
  }
  return hits;
}

export const secretEnvironment: Rule = {
  id: 'secret-environment',
  category: 'secrets',
  description:
    'printing or sending a secret from the environment: $TOKEN in a command, printenv TOKEN, env/printenv/export -p/set when the environment holds secrets',
  decision: 'deny',
  alternative:
    'Leave secrets in the environment: programs read them themselves (gh, npm, the SDKs, GH_TOKEN=$GITHUB_TOKEN gh ...); check that one is set with [ -n "$NAME" ], and print other variables by name (printenv PATH, env | grep NODE)',
  tools: ['Bash', 'PowerShell'],
  check(input) {
    const env = input.environment ?? process.env;
    if (input.call.tool === 'PowerShell') return powerShellHits(input.command ?? '', env);
    const hits: Hit[] = [];
    const command = input.command ?? '';
    const copies = command.includes('$') ? tainted(command, env) : new Set<string>();
    const secret = (name: string) => secretVariable(name, env, copies);
    const invocations = input.analysis?.invocations ?? [];
    const seen = new Set<string>();
    const say = (detail: string) => {
      if (seen.has(detail)) return;
      seen.add(detail);
      hits.push({ detail });
    };
    const heredoc = /<<-?\s*[A-Za-z_\\]|<<</.test(command);
    let present: string[] | undefined;
    for (const inv of invocations) {
      const texts: string[] = [];
      if (!TESTS.has(inv.program)) {
        for (const arg of inv.args) if (arg.raw.includes('$')) texts.push(arg.raw);
        for (const redirect of inv.redirects) if (redirect.raw.includes('$')) texts.push(redirect.raw);
        if (inv.stdin?.kind === 'text' && heredoc && inv.stdin.text.includes('$')) texts.push(inv.stdin.text);
      }
      for (const text of texts)
        for (const ref of variableReferences(text))
          if (!ref.hidden && secret(ref.name))
            say(
              `${inv.program || 'the command'} expands $${ref.name}, a secret, into its arguments or input`,
            );
      if (inv.program === 'printenv')
        for (const arg of inv.args)
          if (arg.value && !arg.value.startsWith('-') && secret(arg.value))
            say(`printenv ${arg.value} prints a secret`);
      if (inv.program === 'declare' || inv.program === 'typeset')
        for (const arg of inv.args)
          if (arg.value && !arg.value.startsWith('-') && secret(arg.value.split('=')[0]!))
            if (!arg.value.includes('=')) say(`${inv.program} ${arg.value} prints a secret`);
      if (['jq', 'gojq', 'yq'].includes(inv.program))
        for (const arg of inv.args)
          for (const match of (arg.value ?? '').matchAll(
            /(?:^|[^.\w$])env\.([A-Za-z_]\w*)|\$ENV\.([A-Za-z_]\w*)/g,
          )) {
            const name = match[1] ?? match[2];
            if (name && secret(name)) say(`${inv.program} reads ${name}, a secret, from the environment`);
          }
      for (const arg of inv.args)
        if (/\/proc\/[^/\s]+\/environ\b/.test(arg.raw)) say(`${arg.raw} is a process's whole environment`);
      for (const redirect of inv.redirects)
        if (/\/proc\/[^/\s]+\/environ\b/.test(redirect.raw))
          say(`${redirect.raw} is a process's whole environment`);
      const dump = dumpsEnvironment(inv);
      if (dump) {
        present ??= secretsInEnvironment(env);
        if (present.length === 0) continue;
        const consumers = invocations.filter(
          (other) => other.stdin?.kind === 'pipe' && other.stdin.producers.includes(inv),
        );
        const filter = consumers.length === 1 ? grepFilter(consumers[0]!) : undefined;
        const shown = filter ? present.filter((name) => filter(`${name}=${env[name] ?? ''}`)) : present;
        if (shown.length > 0)
          say(`${dump} prints the whole environment, which holds secrets (${shown.slice(0, 3).join(', ')})`);
      }
    }
    for (const code of input.analysis?.opaqueCode ?? []) {
      if (INLINE_DUMP.test(code.code)) {
        present ??= secretsInEnvironment(env);
        if (present.length > 0)
          say(
            `${code.where} reads the whole environment, which holds secrets (${present.slice(0, 3).join(', ')})`,
          );
      }
      for (const match of code.code.matchAll(INLINE_NAMES)) {
        const name = match.slice(1).find(Boolean);
        if (name && secret(name)) say(`${code.where} reads ${name}, a secret`);
      }
    }
    return hits;
  },
};
