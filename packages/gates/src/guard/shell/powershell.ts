import { type Analysis, type AnalysisContext, analyseShell } from './analyze.js';

/**
 * PowerShell's own analysis, with the same fail-closed rule as the shell's: the statements it understands
 * (cmdlets with literal arguments, native programs, `$env:NAME = 'value'`, `if`/`foreach`/`try` blocks
 * around them) are translated into the equivalent shell command line, so that every shell rule judges them
 * (Remove-Item -Recurse is rm -r, Set-Content is a write, git is git); anything else (Invoke-Expression,
 * Start-Process, script blocks built from strings, .NET calls, variables as arguments) is unanalysable.
 */

/** Cmdlets and aliases as the shell program with the same effect; `read` ones only read or print. */
const CMDLETS: Record<string, string> = {
  'get-childitem': 'ls',
  gci: 'ls',
  dir: 'ls',
  ls: 'ls',
  'get-content': 'cat',
  gc: 'cat',
  cat: 'cat',
  type: 'cat',
  'get-location': 'pwd',
  pwd: 'pwd',
  'set-location': 'cd',
  cd: 'cd',
  sl: 'cd',
  'push-location': 'cd',
  'pop-location': 'true',
  'test-path': 'test',
  'write-host': 'echo',
  'write-output': 'echo',
  echo: 'echo',
  'write-error': 'echo',
  'write-warning': 'echo',
  'write-verbose': 'echo',
  'select-string': 'grep',
  sls: 'grep',
  'remove-item': 'rm',
  rm: 'rm',
  del: 'rm',
  erase: 'rm',
  rmdir: 'rm',
  ri: 'rm',
  'set-content': 'tee',
  'add-content': 'tee',
  'out-file': 'tee',
  'new-item': 'touch',
  ni: 'touch',
  mkdir: 'mkdir',
  md: 'mkdir',
  'copy-item': 'cp',
  copy: 'cp',
  cp: 'cp',
  cpi: 'cp',
  'move-item': 'mv',
  move: 'mv',
  mv: 'mv',
  mi: 'mv',
  'rename-item': 'mv',
  ren: 'mv',
  'start-sleep': 'sleep',
  sleep: 'sleep',
  'clear-host': 'clear',
  cls: 'clear',
};

/** Cmdlets that only compute, filter or print what flows through the pipeline. */
const READERS = new Set(
  `get-item gi get-itemproperty get-command gcm get-help get-date get-process gps ps get-service
  get-variable gv get-member gm get-host get-module get-childitem resolve-path rvpa join-path split-path
  convert-path select-object select where-object where ? sort-object sort measure-object measure
  group-object group format-table ft format-list fl format-wide fw out-string out-host out-null
  convertto-json convertfrom-json convertto-csv convertfrom-csv convertto-xml compare-object diff
  get-filehash get-unique tee-object new-object test-connection get-culture get-uiculture get-random
  write-progress write-information write-debug get-acl get-psdrive get-location`.split(/\s+/),
);

/** Methods that only compute: `(Get-Content x).Length`, `.Trim()`, `.Split(',')`. */
const SAFE_METHOD =
  /^\.(Length|Count|Trim|TrimEnd|TrimStart|ToLower|ToUpper|Split|Replace|Contains|StartsWith|EndsWith|Substring|ToString|Name|FullName|Path|Version|Major|Minor)$/i;

const KEYWORDS = new Set([
  'if',
  'elseif',
  'else',
  'foreach',
  'for',
  'while',
  'do',
  'try',
  'catch',
  'finally',
  'switch',
]);

interface Translation {
  lines: string[];
  problems: string[];
}

/** Analyses a PowerShell command line: the translation through the shell analysis, plus its own limits. */
export function analysePowerShell(source: string, ctx: AnalysisContext): Analysis {
  const out: Translation = { lines: [], problems: [] };
  translate(source, out, 0);
  const analysis = analyseShell(out.lines.join('\n'), ctx);
  analysis.unanalysable.push(...out.problems);
  return analysis;
}

function translate(source: string, out: Translation, depth: number): void {
  if (depth > 8) {
    out.problems.push('the PowerShell command nests too deeply to analyse');
    return;
  }
  let statements: Token[][];
  try {
    statements = splitStatements(source);
  } catch (error) {
    out.problems.push(`the PowerShell command cannot be parsed (${(error as Error).message})`);
    return;
  }
  for (const tokens of statements) statement(tokens, out, depth);
}

/** A token: a word (with its quoting resolved), a block `{...}`, a group `(...)`, or an operator. */
interface Token {
  readonly kind: 'word' | 'block' | 'group' | 'op' | 'var';
  readonly text: string;
  /** For words: the value is only known at run time (an expandable string with `$`). */
  readonly dynamic?: boolean;
  readonly quoted?: boolean;
}

function splitStatements(source: string): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let i = 0;
  const push = () => {
    if (current.length > 0) statements.push(current);
    current = [];
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\n' || c === ';') {
      i++;
      // `} else {` across lines continues the statement.
      const rest = source.slice(i).trimStart();
      if (!/^(else|elseif|catch|finally)\b/i.test(rest)) push();
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '<' && source[i + 1] === '#') {
      const end = source.indexOf('#>', i + 2);
      if (end < 0) throw new Error('an unterminated <# comment');
      i = end + 2;
    } else if (
      c === '{' ||
      c === '(' ||
      (c === '@' && source[i + 1] === '(') ||
      (c === '$' && source[i + 1] === '(')
    ) {
      const open = c === '@' || c === '$' ? i + 1 : i;
      const close = matching(source, open);
      const inner = source.slice(open + 1, close);
      current.push({ kind: source[open] === '{' ? 'block' : 'group', text: inner });
      i = close + 1;
    } else if (c === '|' || c === '&' || c === '>' || c === '=' || c === ',') {
      let op = c;
      while (i + op.length < source.length && /[|&>=]/.test(source[i + op.length]!) && op.length < 2)
        op += source[i + op.length];
      current.push({ kind: 'op', text: op });
      i += op.length;
      if (op === '||' || op === '&&' || op === '|') {
        // a pipeline chain: the next command is its own statement for the analysis
        push();
      }
    } else if (c === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new Error('an unterminated single quote');
        if (source[j] === "'" && source[j + 1] === "'") {
          text += "'";
          j += 2;
        } else if (source[j] === "'") break;
        else text += source[j++];
      }
      current.push({ kind: 'word', text, quoted: true });
      i = j + 1;
    } else if (c === '"') {
      let text = '';
      let dynamic = false;
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new Error('an unterminated double quote');
        const d = source[j]!;
        if (d === '`') {
          dynamic = dynamic || /[0abefnrtuv]/.test(source[j + 1] ?? '');
          text += source[j + 1] ?? '';
          j += 2;
        } else if (d === '"' && source[j + 1] === '"') {
          text += '"';
          j += 2;
        } else if (d === '"') break;
        else {
          if (d === '$' && /[\w({:]/.test(source[j + 1] ?? '')) dynamic = true;
          text += d;
          j++;
        }
      }
      current.push({ kind: 'word', text, dynamic, quoted: true });
      i = j + 1;
    } else if (c === '$') {
      const match = /^\$(\{[^}]*\}|[\w:?^$]+)/.exec(source.slice(i));
      const text = match ? match[0] : '$';
      i += text.length;
      if (HOME_VARIABLES.has(text.toLowerCase()) && /[/\\]/.test(source[i] ?? '')) {
        // `$HOME/.npmrc`: the home folder and the path after it, one word.
        let rest = '';
        while (i < source.length && !/[\s;|&>=,{}()'"#\n$`]/.test(source[i]!)) rest += source[i++];
        current.push({ kind: 'word', text: `~${rest}` });
      } else current.push({ kind: 'var', text });
    } else {
      let text = '';
      while (i < source.length && !/[\s;|&>=,{}()'"#\n]/.test(source[i]!)) {
        if (source[i] === '`') {
          text += source[i + 1] ?? '';
          i += 2;
          continue;
        }
        text += source[i++];
      }
      if (text === '') throw new Error(`unexpected "${source[i]}"`);
      // An attribute or .NET type such as [IO.File]: kept as a word for the checks below.
      current.push({ kind: 'word', text });
    }
  }
  push();
  return statements;
}

function matching(source: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '(': ')' };
  const want = pairs[source[open]!]!;
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i]!;
    if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) break;
      i = end;
    } else if (c === '"') {
      let end = i + 1;
      while (end < source.length && source[end] !== '"') end += source[end] === '`' ? 2 : 1;
      i = end;
    } else if (c === '`') i++;
    else if (c === source[open]) depth++;
    else if (c === want) {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`an unterminated ${source[open]}`);
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
/**
 * A PowerShell path word as a shell word: `~` (which PowerShell's file system resolves in -Path, quoted
 * or not) and `$HOME`, `$env:HOME`, `$env:USERPROFILE` before a path are the home folder.
 */
const pathWord = (text: string) =>
  /^~([/\\]|$)/.test(text)
    ? `"$HOME"${text.length > 1 ? quote(text.slice(1).replaceAll('\\', '/')) : ''}`
    : quote(text);
const HOME_VARIABLES = new Set([
  '$home',
  '${home}',
  '$env:home',
  '$env:userprofile',
  '${env:home}',
  '${env:userprofile}',
]);

function statement(tokens: Token[], out: Translation, depth: number): void {
  const first = tokens[0]!;
  const lower = first.kind === 'word' && !first.quoted ? first.text.toLowerCase() : '';
  // Blocks and conditions of if/foreach/try run: analyse what is inside them.
  if (KEYWORDS.has(lower) || lower === 'function' || lower === 'param') {
    for (const token of tokens.slice(1)) {
      if (token.kind === 'block' || token.kind === 'group') translate(token.text, out, depth + 1);
      else if (
        token.kind === 'word' &&
        !KEYWORDS.has(token.text.toLowerCase()) &&
        lower !== 'function' &&
        lower !== 'foreach' &&
        lower !== 'param'
      )
        out.problems.push(`PowerShell ${lower} with "${token.text}" is not a form the guard follows`);
    }
    return;
  }
  // `$env:NAME = value`, `$x = value`: an assignment; its value may be a command.
  if (first.kind === 'var' && tokens[1]?.kind === 'op' && tokens[1].text === '=') {
    const name = /^\$env:(\w+)$/i.exec(first.text)?.[1];
    const value = tokens.slice(2);
    if (name) {
      const literal =
        value.length === 1 && value[0]!.kind === 'word' && !value[0]!.dynamic ? value[0]!.text : undefined;
      out.lines.push(
        literal === undefined ? `export ${name}="$UNKNOWN_VALUE"` : `export ${name}=${quote(literal)}`,
      );
      if (literal === undefined && value.some((token) => token.kind !== 'word')) statement(value, out, depth);
      return;
    }
    if (value.length > 0 && !(value.length === 1 && value[0]!.kind === 'word' && !value[0]!.dynamic))
      statement(value, out, depth);
    return;
  }
  if (first.kind === 'group' || first.kind === 'block') {
    if (
      tokens
        .slice(1)
        .some((token) => token.kind === 'word' && /^\./.test(token.text) && !SAFE_METHOD.test(token.text))
    )
      out.problems.push(
        'a PowerShell method call on an object (.Delete(), .Invoke(), ...) the guard does not follow; use cmdlets',
      );
    translate(first.text, out, depth + 1);
    if (tokens.length > 1) rest(tokens.slice(1), out, depth);
    return;
  }
  if (first.kind !== 'word' || first.quoted) {
    if (first.kind === 'op' && (first.text === '&' || first.text === '.')) {
      out.problems.push(
        'the PowerShell call operator (& or .) runs a command the guard cannot follow; run the program by its name',
      );
      return;
    }
    if (first.kind === 'var' || first.kind === 'word') {
      // An expression statement: `$x`, `'text'`, `$x.Method()`.
      expression(tokens, out);
      return;
    }
    out.problems.push('a PowerShell statement the guard does not follow');
    return;
  }
  command(first.text, tokens.slice(1), out, depth);
}

function expression(tokens: Token[], out: Translation): void {
  for (const token of tokens) {
    if (token.kind === 'group' || token.kind === 'block')
      out.problems.push(
        'a PowerShell method call or script block the guard does not follow; use cmdlets with literal arguments',
      );
    if (token.kind === 'var' && /\.\w+$/.test(token.text)) continue;
  }
}

function rest(tokens: Token[], out: Translation, depth: number): void {
  for (const token of tokens)
    if (token.kind === 'group' || token.kind === 'block') translate(token.text, out, depth + 1);
}

function command(name: string, args: Token[], out: Translation, depth: number): void {
  const lower = name.toLowerCase();
  if (lower === '.' || lower === '&') {
    out.problems.push(
      'PowerShell dot-sourcing or the call operator runs a script the guard cannot follow; run the program by its name',
    );
    return;
  }
  if (/^\[/.test(name) || name.includes('::')) {
    out.problems.push(
      `${name} calls .NET directly, which the guard does not follow; use cmdlets or programs`,
    );
    return;
  }
  if (
    /^(invoke-expression|iex|invoke-command|icm|start-process|saps|start|start-job|add-type|invoke-item|ii|set-alias|new-alias|set-item|set-itemproperty|new-itemproperty|remove-itemproperty|invoke-webrequest|iwr|invoke-restmethod|irm|set-executionpolicy|import-module|ipmo|register-\w+|new-service|set-service)$/.test(
      lower,
    )
  ) {
    out.problems.push(
      `PowerShell ${name} runs or changes something the guard cannot follow; run the program directly with literal arguments`,
    );
    return;
  }
  const words: string[] = [];
  const redirects: string[] = [];
  let dynamic = false;
  const named: Record<string, string | undefined> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token.kind === 'op' && token.text.startsWith('>')) {
      const target = args[i + 1];
      if (target?.kind === 'word' && !target.dynamic)
        redirects.push(`${token.text} ${pathWord(target.text)}`);
      else dynamic = true;
      i++;
      continue;
    }
    if (token.kind === 'op' && token.text === ',') continue;
    if (token.kind === 'block' || token.kind === 'group') {
      translate(token.text, out, depth + 1);
      dynamic = true;
      continue;
    }
    if (token.kind === 'var' || token.dynamic) {
      dynamic = true;
      words.push('"$UNKNOWN_VALUE"');
      positional.push('');
      continue;
    }
    if (token.kind !== 'word') continue;
    words.push(pathWord(token.text));
    if (!token.quoted && /^-[A-Za-z]/.test(token.text)) {
      const key = token.text.toLowerCase().replace(/:.*$/, '');
      const next = args[i + 1];
      named[key] = next?.kind === 'word' && !next.text.startsWith('-') ? next.text : undefined;
    } else positional.push(token.text);
  }
  const target = CMDLETS[lower];
  if (target === undefined) {
    if (READERS.has(lower)) return;
    if (/^[a-z]+-[a-z]+$/.test(lower)) {
      out.problems.push(
        `the guard does not know what the cmdlet ${name} does; use a cmdlet it follows (Get-ChildItem, Get-Content, Set-Content, Remove-Item, ...) or a program`,
      );
      return;
    }
    // A native program: the same words in the shell analysis.
    out.lines.push([quote(name), ...words, ...redirects].join(' '));
    return;
  }
  const path = named['-path'] ?? named['-literalpath'] ?? named['-filepath'] ?? positional[0];
  const pathArg = path === undefined ? '' : path === '' ? '"$UNKNOWN_VALUE"' : pathWord(path);
  switch (target) {
    case 'rm': {
      const recurse =
        '-recurse' in named || Object.keys(named).some((key) => '-recurse'.startsWith(key) && key.length > 2);
      out.lines.push(`rm ${recurse ? '-rf ' : ''}${pathArg}`);
      return;
    }
    case 'tee':
    case 'touch':
    case 'mkdir':
    case 'cat':
    case 'cd':
    case 'test':
      out.lines.push(`${target} ${pathArg}${target === 'tee' ? ' </dev/null' : ''}`);
      return;
    case 'cp':
    case 'mv': {
      const destination = named['-destination'] ?? named['-newname'] ?? positional[1];
      const destArg =
        destination === undefined ? '' : destination === '' ? '"$UNKNOWN_VALUE"' : pathWord(destination);
      out.lines.push(`${target} ${'-recurse' in named ? '-r ' : ''}${pathArg} ${destArg}`);
      return;
    }
    default:
      out.lines.push(
        [target, ...(dynamic ? [] : []), ...words.filter((word) => !/^'-/.test(word)), ...redirects].join(
          ' ',
        ),
      );
  }
}
