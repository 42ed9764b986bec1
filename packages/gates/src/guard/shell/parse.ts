/**
 * A parser for the part of the POSIX shell / bash grammar that decides what a command line runs.
 *
 * Why hand-written: the guard runs on every tool call, so its start-up cost is paid every time. mvdan/sh in
 * WASM (sh-syntax) costs about 39 ms before the first answer; shell-quote loads fast but only tokenizes, so
 * `$( )`, backticks, subshells and here-documents stay opaque to it. This parser loads in well under a
 * millisecond and keeps the nesting the guard needs: every command that can run, wherever it is nested,
 * is in the tree. It is deliberately conservative: anything it does not understand is a ParseError, and
 * the guard treats an unparsable command as unanalysable (never as harmless).
 */

export type Part =
  /** Literal text; unquoted literal text may still hold glob characters. */
  | { readonly kind: 'lit'; readonly text: string; readonly quoted: boolean }
  /** `$NAME`, `${NAME...}`, `$1`, `$@`: `subs` are the command substitutions nested in `${...}`. */
  | { readonly kind: 'param'; readonly name: string; readonly quoted: boolean; readonly subs: Script[] }
  /** `$( )`, backticks, `<( )` and `>( )`: the nested script runs. */
  | { readonly kind: 'sub'; readonly script: Script; readonly quoted: boolean; readonly form: string }
  | { readonly kind: 'arith'; readonly quoted: boolean }
  /** `$'...'` with escapes (hex, octal, unicode, control) that the guard refuses to decode. */
  | { readonly kind: 'opaque'; readonly text: string; readonly quoted: boolean }
  /** A leading `~` or `~user`. */
  | { readonly kind: 'tilde'; readonly user: string }
  /** The elements of an array assignment `name=( ... )`: each is a word, with its substitutions. */
  | { readonly kind: 'array'; readonly words: readonly Word[]; readonly quoted: boolean };

export interface Word {
  readonly parts: readonly Part[];
  readonly raw: string;
}

export interface HereDoc {
  body: string;
  /** False when the delimiter was quoted: the body is literal. */
  expand: boolean;
  subs: Script[];
}

export interface Redirect {
  readonly op: string;
  readonly fd?: number;
  readonly target: Word;
  readonly heredoc?: HereDoc;
}

export interface Assignment {
  readonly name: string;
  readonly value: Word;
}

export interface SimpleCommand {
  readonly kind: 'simple';
  readonly assigns: readonly Assignment[];
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
  /** Set for the word lists of `for`/`select`/`case`: only their substitutions run. */
  readonly listOnly?: boolean;
}

export interface CompoundCommand {
  readonly kind: 'compound';
  readonly body: Script;
  readonly redirects: readonly Redirect[];
}

export type Command = SimpleCommand | CompoundCommand;

export interface Pipeline {
  readonly commands: readonly Command[];
}

export interface Script {
  readonly pipelines: readonly Pipeline[];
}

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

type Token =
  | { readonly type: 'word'; readonly word: Word }
  | { readonly type: 'op'; readonly op: string; readonly fd?: number }
  | { readonly type: 'newline' }
  | { readonly type: 'eof' };

const REDIRECT_OPS = new Set(['>', '>>', '>|', '>&', '<', '<<', '<<-', '<<<', '<&', '<>', '&>', '&>>']);
const OPS = [
  ';;&',
  '<<<',
  '<<-',
  '&>>',
  ';;',
  ';&',
  '&&',
  '||',
  '|&',
  '>>',
  '>|',
  '>&',
  '<<',
  '<&',
  '<>',
  '&>',
  ';',
  '&',
  '|',
  '(',
  ')',
  '<',
  '>',
];
const SKIP_KEYWORDS = new Set(['!', 'time', 'then', 'do', 'else', 'elif', 'if', 'while', 'until', '{']);
const END_KEYWORDS = new Set(['}', 'fi', 'done', 'esac']);
const MAX_DEPTH = 40;

function isMeta(c: string | undefined): boolean {
  return (
    c === undefined ||
    c === ' ' ||
    c === '\t' ||
    c === '\n' ||
    c === ';' ||
    c === '&' ||
    c === '|' ||
    c === '(' ||
    c === ')' ||
    c === '<' ||
    c === '>'
  );
}

/** The static text of a word when it has no expansion at all (quotes removed), else undefined. */
export function literalText(word: Word): string | undefined {
  let text = '';
  for (const part of word.parts) {
    if (part.kind !== 'lit') return undefined;
    text += part.text;
  }
  return text;
}

function isUnquotedLiteral(word: Word, text: string): boolean {
  return (
    word.parts.length === 1 && word.parts[0]!.kind === 'lit' && !word.parts[0]!.quoted && word.raw === text
  );
}

interface ListStop {
  readonly paren?: boolean;
  readonly caseItem?: boolean;
}

class Parser {
  private pos = 0;
  private pendingHeredocs: Array<{ delimiter: string; strip: boolean; doc: HereDoc }> = [];

  constructor(
    private readonly src: string,
    private readonly depth: number,
  ) {
    if (depth > MAX_DEPTH) throw new ParseError('the command nests too deeply to analyse');
  }

  parseAll(): Script {
    const script = this.parseList({});
    const next = this.next();
    if (next.type !== 'eof') throw new ParseError(`unexpected ${describe(next)}`);
    return script;
  }

  // ---- lists, pipelines, commands --------------------------------------------------------------

  parseList(stop: ListStop): Script {
    const pipelines: Pipeline[] = [];
    for (;;) {
      this.skipSeparators();
      const token = this.peek();
      if (token.type === 'eof') break;
      if (token.type === 'op' && token.op === ')' && stop.paren) break;
      if (
        token.type === 'op' &&
        (token.op === ';;' || token.op === ';&' || token.op === ';;&') &&
        stop.caseItem
      )
        break;
      if (stop.caseItem && token.type === 'word' && isUnquotedLiteral(token.word, 'esac')) break;
      pipelines.push(this.parsePipeline(stop));
      const after = this.peek();
      if (
        after.type === 'op' &&
        (after.op === ';' || after.op === '&' || after.op === '&&' || after.op === '||')
      ) {
        this.next();
        continue;
      }
      if (after.type === 'newline' || after.type === 'eof') continue;
      if (after.type === 'op' && after.op === ')' && stop.paren) break;
      if (
        after.type === 'op' &&
        (after.op === ';;' || after.op === ';&' || after.op === ';;&') &&
        stop.caseItem
      )
        break;
      throw new ParseError(`unexpected ${describe(after)}`);
    }
    return { pipelines };
  }

  private skipSeparators(): void {
    for (;;) {
      const token = this.peek();
      if (token.type === 'newline') {
        this.next();
        continue;
      }
      return;
    }
  }

  private parsePipeline(stop: ListStop): Pipeline {
    const commands: Command[] = [this.parseCommand(stop)];
    for (;;) {
      const token = this.peek();
      if (token.type === 'op' && (token.op === '|' || token.op === '|&')) {
        this.next();
        this.skipSeparators();
        commands.push(this.parseCommand(stop));
        continue;
      }
      return { commands };
    }
  }

  private parseCommand(stop: ListStop): Command {
    const first = this.peek();
    if (first.type === 'op' && first.op === '(') {
      const arithmetic = this.arithmeticCommand();
      if (arithmetic) return arithmetic;
      this.next();
      // A subshell; a `((` arithmetic command parses as two of them.
      const body = this.nested(() => this.parseList({ paren: true }));
      this.expectOp(')');
      return { kind: 'compound', body, redirects: this.parseTrailingRedirects() };
    }
    if (first.type === 'word') {
      const text = isKeywordCandidate(first.word) ? first.word.raw : undefined;
      if (text === 'coproc')
        throw new ParseError('coproc runs a command the guard does not follow: run it directly or with &');
      if (text !== undefined && SKIP_KEYWORDS.has(text)) {
        this.next();
        if (text === 'time') this.skipTimeOptions();
        this.skipSeparators();
        const after = this.peek();
        if (after.type === 'eof' || (after.type === 'op' && after.op !== '(')) {
          return { kind: 'simple', assigns: [], words: [], redirects: [] };
        }
        return this.parseCommand(stop);
      }
      if (text !== undefined && END_KEYWORDS.has(text)) {
        this.next();
        return { kind: 'simple', assigns: [], words: [], redirects: this.parseTrailingRedirects() };
      }
      if (text === 'for' || text === 'select') return this.parseFor();
      if (text === 'case') return this.parseCase();
      if (text === 'function') {
        this.next();
        this.next(); // the name
        const paren = this.peek();
        if (paren.type === 'op' && paren.op === '(') {
          this.next();
          this.expectOp(')');
        }
        this.skipSeparators();
        return this.parseCommand(stop);
      }
      if (text === '[[') return this.parseDoubleBracket();
    }
    return this.parseSimple();
  }

  /** `time -p cmd`, `time -- cmd`: the options belong to the keyword, not to the command. */
  private skipTimeOptions(): void {
    for (;;) {
      const token = this.peek();
      if (token.type !== 'word' || !isKeywordCandidate(token.word)) return;
      if (token.word.raw === '--') {
        this.next();
        return;
      }
      if (!/^-p+$/.test(token.word.raw)) return;
      this.next();
    }
  }

  /**
   * `(( expression ))`: an arithmetic command, not two subshells. The substitutions in it run; the rest is
   * arithmetic. Content with command separators is two nested subshells after all (`((cd x; ls))`).
   */
  private arithmeticCommand(): Command | undefined {
    const start = this.pos;
    let at = start;
    while (this.src[at] === ' ' || this.src[at] === '\t') at++;
    if (this.src[at] !== '(' || this.src[at + 1] !== '(') return undefined;
    const close = this.findArithmeticEnd(at + 2);
    if (close < 0) return undefined;
    const inner = this.src.slice(at + 2, close);
    if (/[;&|<>\n]/.test(inner.replace(/\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`/g, ''))) return undefined;
    this.pos = close + 2;
    return {
      kind: 'compound',
      body: { pipelines: this.arithmeticSubs(inner) },
      redirects: this.parseTrailingRedirects(),
    };
  }

  /** The command substitutions inside arithmetic (`$(( $(cmd) ))`, `(( a[$(cmd)] ))`): they run. */
  private arithmeticSubs(inner: string): Pipeline[] {
    if (!inner.includes('$') && !inner.includes('`')) return [];
    const pipelines: Pipeline[] = [];
    for (const part of new Parser(inner, this.depth + 1).readDoubleQuotedBody()) {
      if (part.kind === 'sub') pipelines.push(...part.script.pipelines);
      if (part.kind === 'param') for (const sub of part.subs) pipelines.push(...sub.pipelines);
    }
    return pipelines;
  }

  private parseTrailingRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'op' && REDIRECT_OPS.has(token.op)) {
        this.next();
        redirects.push(this.parseRedirect(token.op, token.fd));
        continue;
      }
      return redirects;
    }
  }

  private parseSimple(): Command {
    const assigns: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.peek();
      if (token.type === 'word') {
        this.next();
        const assignment = words.length === 0 ? asAssignment(token.word) : undefined;
        if (assignment) {
          assigns.push(assignment);
          continue;
        }
        words.push(token.word);
        // `name() compound`: a function definition; its body is analysed like any other command.
        if (words.length === 1) {
          const after = this.peek();
          if (after.type === 'op' && after.op === '(') {
            const save = this.pos;
            this.next();
            const close = this.peek();
            if (close.type === 'op' && close.op === ')') {
              this.next();
              this.skipSeparators();
              return this.parseCommand({});
            }
            this.pos = save;
          }
        }
        continue;
      }
      if (token.type === 'op' && REDIRECT_OPS.has(token.op)) {
        this.next();
        redirects.push(this.parseRedirect(token.op, token.fd));
        continue;
      }
      break;
    }
    if (assigns.length === 0 && words.length === 0 && redirects.length === 0) {
      throw new ParseError(`unexpected ${describe(this.peek())}`);
    }
    return { kind: 'simple', assigns, words, redirects };
  }

  private parseRedirect(op: string, fd: number | undefined): Redirect {
    const target = this.next();
    if (target.type !== 'word') throw new ParseError(`a redirection (${op}) without a target`);
    if (op === '<<' || op === '<<-') {
      const delimiter = target.word.parts.map((part) => (part.kind === 'lit' ? part.text : '')).join('');
      const quoted = target.word.parts.some((part) => part.kind === 'lit' && part.quoted);
      const doc: HereDoc = { body: '', expand: !quoted, subs: [] };
      this.pendingHeredocs.push({ delimiter, strip: op === '<<-', doc });
      return { op, target: target.word, heredoc: doc, ...(fd === undefined ? {} : { fd }) };
    }
    return { op, target: target.word, ...(fd === undefined ? {} : { fd }) };
  }

  private parseFor(): Command {
    this.next(); // for / select
    const head = this.peek();
    if (head.type === 'op' && head.op === '(') {
      const from = this.pos;
      this.skipArithmetic();
      const text = this.src.slice(from, this.pos);
      const inner = text.slice(text.indexOf('((') + 2, text.lastIndexOf('))'));
      return { kind: 'compound', body: { pipelines: this.arithmeticSubs(inner) }, redirects: [] };
    }
    this.next(); // the variable
    const words: Word[] = [];
    const maybeIn = this.peek();
    if (maybeIn.type === 'word' && isUnquotedLiteral(maybeIn.word, 'in')) {
      this.next();
      for (;;) {
        const token = this.peek();
        if (token.type !== 'word') break;
        this.next();
        words.push(token.word);
      }
    }
    return { kind: 'simple', assigns: [], words, redirects: [], listOnly: true };
  }

  private parseCase(): Command {
    this.next(); // case
    const subject = this.next();
    if (subject.type !== 'word') throw new ParseError('case without a word');
    this.skipSeparators();
    const inWord = this.next();
    if (inWord.type !== 'word' || !isUnquotedLiteral(inWord.word, 'in'))
      throw new ParseError('case without in');
    const pipelines: Pipeline[] = [
      { commands: [{ kind: 'simple', assigns: [], words: [subject.word], redirects: [], listOnly: true }] },
    ];
    for (;;) {
      this.skipSeparators();
      const token = this.peek();
      if (token.type === 'eof') throw new ParseError('case without esac');
      if (token.type === 'word' && isUnquotedLiteral(token.word, 'esac')) {
        this.next();
        break;
      }
      if (token.type === 'op' && token.op === '(') this.next();
      const patterns: Word[] = [];
      for (;;) {
        const pattern = this.next();
        if (pattern.type !== 'word') throw new ParseError('case pattern expected');
        patterns.push(pattern.word);
        const sep = this.next();
        if (sep.type === 'op' && sep.op === '|') continue;
        if (sep.type === 'op' && sep.op === ')') break;
        throw new ParseError('case pattern without )');
      }
      pipelines.push({
        commands: [{ kind: 'simple', assigns: [], words: patterns, redirects: [], listOnly: true }],
      });
      pipelines.push(...this.parseList({ caseItem: true }).pipelines);
      const end = this.peek();
      if (end.type === 'op' && (end.op === ';;' || end.op === ';&' || end.op === ';;&')) this.next();
    }
    return { kind: 'compound', body: { pipelines }, redirects: this.parseTrailingRedirects() };
  }

  private parseDoubleBracket(): Command {
    this.next(); // [[
    const words: Word[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.pos >= this.src.length) throw new ParseError('[[ without ]]');
      const op = this.matchOp();
      if (op) {
        this.pos += op.length;
        continue;
      }
      const word = this.readWord();
      if (isUnquotedLiteral(word, ']]')) break;
      words.push(word);
    }
    return {
      kind: 'simple',
      assigns: [],
      words: [{ parts: [{ kind: 'lit', text: '[[', quoted: false }], raw: '[[' }, ...words],
      redirects: this.parseTrailingRedirects(),
    };
  }

  private skipArithmetic(): void {
    // At `((`: skip to the matching `))`.
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '(') depth++;
      if (c === ')') {
        depth--;
        if (depth === 0) {
          this.pos++;
          return;
        }
      }
      this.pos++;
    }
    throw new ParseError('unterminated (( ))');
  }

  private expectOp(op: string): void {
    const token = this.next();
    if (token.type !== 'op' || token.op !== op)
      throw new ParseError(`expected "${op}", found ${describe(token)}`);
  }

  // ---- tokens ---------------------------------------------------------------------------------

  /**
   * Word tokens lexed by a peek, by position: a word with nested substitutions is parsed once, not once
   * per peek (re-lexing made nested `$(` exponential, a way to stall the guard past its time-out).
   */
  private readonly lexed = new Map<number, { token: Token; end: number }>();

  private peek(): Token {
    const cached = this.lexed.get(this.pos);
    if (cached) return cached.token;
    const save = this.pos;
    const pending = this.pendingHeredocs;
    this.pendingHeredocs = [];
    try {
      const token = this.lex(false);
      if (token.type === 'word') this.lexed.set(save, { token, end: this.pos });
      return token;
    } finally {
      this.pos = save;
      this.pendingHeredocs = pending;
    }
  }

  private next(): Token {
    const cached = this.lexed.get(this.pos);
    if (cached) {
      this.lexed.delete(this.pos);
      this.pos = cached.end;
      return cached.token;
    }
    return this.lex(true);
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      // A carriage return is not a blank to bash: it is part of a word (`a\r#b` is one word, no comment).
      if (c === ' ' || c === '\t') {
        this.pos++;
      } else if (c === '\\' && this.src[this.pos + 1] === '\n') {
        this.pos += 2;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }

  private matchOp(): string | undefined {
    for (const op of OPS) if (this.src.startsWith(op, this.pos)) return op;
    return undefined;
  }

  private lex(consume: boolean): Token {
    this.skipBlanks();
    if (this.pos >= this.src.length) return { type: 'eof' };
    const c = this.src[this.pos]!;
    if (c === '\n') {
      this.pos++;
      if (consume && this.pendingHeredocs.length > 0) this.readHeredocs();
      return { type: 'newline' };
    }
    // Process substitution is a word, not a redirection.
    if ((c === '<' || c === '>') && this.src[this.pos + 1] === '(') {
      return { type: 'word', word: this.readWord() };
    }
    const fd = /^(\d+)(?=[<>])/.exec(this.src.slice(this.pos, this.pos + 12));
    if (fd) {
      const after = this.pos + fd[1]!.length;
      const save = this.pos;
      this.pos = after;
      const op = this.matchOp();
      if (op && REDIRECT_OPS.has(op)) {
        this.pos += op.length;
        return { type: 'op', op, fd: Number(fd[1]) };
      }
      this.pos = save;
    }
    const op = this.matchOp();
    if (op) {
      this.pos += op.length;
      return { type: 'op', op };
    }
    return { type: 'word', word: this.readWord() };
  }

  private readHeredocs(): void {
    const pending = this.pendingHeredocs;
    this.pendingHeredocs = [];
    for (const { delimiter, strip, doc } of pending) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length) break;
        let end = this.src.indexOf('\n', this.pos);
        if (end < 0) end = this.src.length;
        let line = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        // With an unquoted delimiter bash joins backslash-newline first: `EO\<newline>F` ends the document.
        while (doc.expand && /(^|[^\\])(\\\\)*\\$/.test(line) && this.pos < this.src.length) {
          let next = this.src.indexOf('\n', this.pos);
          if (next < 0) next = this.src.length;
          line = line.slice(0, -1) + this.src.slice(this.pos, next);
          this.pos = Math.min(next + 1, this.src.length);
        }
        if (strip) line = line.replace(/^\t+/, '');
        if (line === delimiter) break;
        lines.push(line);
      }
      doc.body = lines.length > 0 ? `${lines.join('\n')}\n` : '';
      if (doc.expand) {
        const inner = new Parser(doc.body, this.depth + 1);
        for (const part of inner.readDoubleQuotedBody()) {
          if (part.kind === 'sub') doc.subs.push(part.script);
          if (part.kind === 'param') doc.subs.push(...part.subs);
        }
      }
    }
  }

  /** The whole source read as the inside of double quotes (a here-document body that expands). */
  readDoubleQuotedBody(): Part[] {
    const parts: Part[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ kind: 'lit', text: lit, quoted: true });
      lit = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && '$`\\\n'.includes(this.src[this.pos + 1] ?? '')) {
        if (this.src[this.pos + 1] !== '\n') lit += this.src[this.pos + 1];
        this.pos += 2;
      } else if (c === '$') {
        flush();
        parts.push(this.readDollar(true));
      } else if (c === '`') {
        flush();
        parts.push(this.readBacktick(true));
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  // ---- words ----------------------------------------------------------------------------------

  private readWord(): Word {
    const start = this.pos;
    const parts: Part[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ kind: 'lit', text: lit, quoted: false });
      lit = '';
    };
    for (;;) {
      const c = this.src[this.pos];
      if ((c === '<' || c === '>') && this.src[this.pos + 1] === '(') {
        flush();
        this.pos += 2;
        const script = this.nested(() => this.parseList({ paren: true }));
        this.expectOp(')');
        parts.push({ kind: 'sub', script, quoted: false, form: `${c}(` });
        continue;
      }
      if (c === '(' && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=$/.test(this.src.slice(start, this.pos))) {
        flush();
        parts.push({ kind: 'array', words: this.readArrayElements(), quoted: false });
        continue;
      }
      if (isMeta(c)) break;
      if (c === "'") {
        flush();
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ParseError('an unterminated single quote');
        parts.push({ kind: 'lit', text: this.src.slice(this.pos + 1, end), quoted: true });
        this.pos = end + 1;
      } else if (c === '"') {
        flush();
        this.pos++;
        parts.push(...this.readDoubleQuoted());
      } else if (c === '\\') {
        const escaped = this.src[this.pos + 1];
        if (escaped === undefined) {
          this.pos++;
          continue;
        }
        this.pos += 2;
        if (escaped === '\n') continue;
        flush();
        parts.push({ kind: 'lit', text: escaped, quoted: true });
      } else if (c === '$') {
        flush();
        parts.push(this.readDollar(false));
      } else if (c === '`') {
        flush();
        parts.push(this.readBacktick(false));
      } else if (c === '~' && this.pos === start) {
        const match = /^~([A-Za-z0-9_.-]*)/.exec(this.src.slice(this.pos));
        const user = match?.[1] ?? '';
        const afterTilde = this.src[this.pos + 1 + user.length];
        if (afterTilde === undefined || afterTilde === '/' || isMeta(afterTilde)) {
          parts.push({ kind: 'tilde', user });
          this.pos += 1 + user.length;
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    if (parts.length === 0) throw new ParseError('an empty word');
    return { parts, raw: this.src.slice(start, this.pos) };
  }

  private findClosingParen(open: number): number {
    let depth = 0;
    for (let i = open; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) return i;
      } else if (c === "'") {
        const end = this.src.indexOf("'", i + 1);
        if (end < 0) break;
        i = end;
      } else if (c === '"') {
        let end = i + 1;
        while (end < this.src.length && this.src[end] !== '"') end += this.src[end] === '\\' ? 2 : 1;
        if (end >= this.src.length) break;
        i = end;
      }
    }
    throw new ParseError('an unterminated parenthesis');
  }

  /** `name=( a "b c" $(cmd) )`: the elements are words like any other; their substitutions run. */
  private readArrayElements(): Word[] {
    this.pos++; // (
    const words: Word[] = [];
    for (;;) {
      for (;;) {
        const c = this.src[this.pos];
        if (c === ' ' || c === '\t' || c === '\n') this.pos++;
        else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
        else if (c === '#') while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
        else break;
      }
      const c = this.src[this.pos];
      if (c === undefined) throw new ParseError('an unterminated array');
      if (c === ')') {
        this.pos++;
        return words;
      }
      if (isMeta(c)) throw new ParseError(`"${c}" inside an array assignment`);
      words.push(this.readWord());
    }
  }

  private readDoubleQuoted(): Part[] {
    const parts: Part[] = [];
    let lit = '';
    let sawText = false;
    const flush = () => {
      if (lit) parts.push({ kind: 'lit', text: lit, quoted: true });
      lit = '';
    };
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new ParseError('an unterminated double quote');
      if (c === '"') {
        this.pos++;
        break;
      }
      sawText = true;
      if (c === '\\') {
        const escaped = this.src[this.pos + 1];
        if (escaped !== undefined && '$`"\\\n'.includes(escaped)) {
          if (escaped !== '\n') lit += escaped;
          this.pos += 2;
        } else {
          lit += c;
          this.pos++;
        }
      } else if (c === '$') {
        flush();
        parts.push(this.readDollar(true));
      } else if (c === '`') {
        flush();
        parts.push(this.readBacktick(true));
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    // "" is an empty but real argument.
    if (!sawText || parts.length === 0) parts.push({ kind: 'lit', text: '', quoted: true });
    return parts;
  }

  private readDollar(quoted: boolean): Part {
    const next = this.src[this.pos + 1];
    if (next === "'" && !quoted) {
      this.pos += 2;
      return this.readAnsiC();
    }
    if (next === '"' && !quoted) {
      this.pos += 2;
      const parts = this.readDoubleQuoted();
      // $"..." (locale translation) is a double-quoted string for our purposes.
      if (parts.length === 1) return parts[0]!;
      return { kind: 'opaque', text: '$"..."', quoted: true };
    }
    if (next === '(' && this.src[this.pos + 2] === '(') {
      const close = this.findArithmeticEnd(this.pos + 3);
      if (close >= 0) {
        const inner = this.src.slice(this.pos + 3, close);
        if (inner.includes('$') || inner.includes('`')) {
          // Substitutions inside arithmetic still run: parse them.
          const script: Script = { pipelines: this.arithmeticSubs(inner) };
          this.pos = close + 2;
          return { kind: 'sub', script, quoted, form: '$((' };
        }
        this.pos = close + 2;
        return { kind: 'arith', quoted };
      }
    }
    if (next === '(') {
      this.pos += 2;
      const script = this.nested(() => this.parseList({ paren: true }));
      this.expectOp(')');
      return { kind: 'sub', script, quoted, form: '$(' };
    }
    if (next === '{') {
      const close = this.findBraceEnd(this.pos + 2);
      const inner = this.src.slice(this.pos + 2, close);
      this.pos = close + 1;
      const name = /^[#!]?([A-Za-z_][A-Za-z0-9_]*|\d+|[@*#?$!-])/.exec(inner)?.[1] ?? inner;
      const rest = inner.slice(inner.indexOf(name) + name.length);
      const subs: Script[] = [];
      if (rest.includes('$') || rest.includes('`')) {
        for (const part of new Parser(rest, this.depth + 1).readDoubleQuotedBody()) {
          if (part.kind === 'sub') subs.push(part.script);
          if (part.kind === 'param') subs.push(...part.subs);
        }
      }
      // ${NAME} alone is the variable; anything after the name (defaults, slicing) makes it opaque.
      return {
        kind: 'param',
        name: rest === '' && !inner.startsWith('!') && !inner.startsWith('#') ? name : `${name}?`,
        quoted,
        subs,
      };
    }
    const simple = /^\$([A-Za-z_][A-Za-z0-9_]*|\d|[@*#?$!-])/.exec(this.src.slice(this.pos, this.pos + 256));
    if (simple) {
      this.pos += simple[0].length;
      return { kind: 'param', name: simple[1]!, quoted, subs: [] };
    }
    this.pos++;
    return { kind: 'lit', text: '$', quoted };
  }

  private findArithmeticEnd(from: number): number {
    let depth = 0;
    for (let i = from; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) return this.src[i + 1] === ')' ? i : -1;
        depth--;
      }
    }
    return -1;
  }

  /**
   * The `}` that closes `${` as bash sees it: quotes (single and double, also inside a double-quoted
   * `"${x:-"a}"}"`), escapes, nested `${ }`, `$( )` and backticks hide a `}`.
   */
  private findBraceEnd(from: number): number {
    let depth = 0;
    let inDouble = false;
    for (let i = from; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '\\') {
        i++;
      } else if (c === "'" && !inDouble) {
        const end = this.src.indexOf("'", i + 1);
        if (end < 0) break;
        i = end;
      } else if (c === '"') {
        inDouble = !inDouble;
      } else if (c === '`') {
        const end = this.src.indexOf('`', i + 1);
        if (end < 0) break;
        i = end;
      } else if (c === '$' && this.src[i + 1] === '(') {
        const end = this.findClosingParen(i + 1);
        i = end;
      } else if (c === '{') {
        depth++;
      } else if (c === '}' && !inDouble) {
        if (depth === 0) return i;
        depth--;
      } else if (c === '}' && inDouble && depth > 0) {
        depth--;
      }
    }
    throw new ParseError('an unterminated ${');
  }

  private readAnsiC(): Part {
    let text = '';
    let opaque = false;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new ParseError("an unterminated $'");
      this.pos++;
      if (c === "'") break;
      if (c !== '\\') {
        text += c;
        continue;
      }
      const e = this.src[this.pos];
      this.pos++;
      const simple: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        a: '\x07',
        b: '\b',
        e: '\x1b',
        E: '\x1b',
        f: '\f',
        v: '\v',
        '\\': '\\',
        "'": "'",
        '"': '"',
        '?': '?',
      };
      if (e !== undefined && simple[e] !== undefined) text += simple[e];
      else opaque = true; // \x.., \u...., \0.., \c.: bytes chosen to hide a name
    }
    if (opaque) return { kind: 'opaque', text, quoted: true };
    return { kind: 'lit', text, quoted: true };
  }

  private readBacktick(quoted: boolean): Part {
    let content = '';
    this.pos++;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new ParseError('an unterminated backtick');
      if (c === '`') {
        this.pos++;
        break;
      }
      if (c === '\\' && '$`\\'.includes(this.src[this.pos + 1] ?? '')) {
        content += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      content += c;
      this.pos++;
    }
    const script = new Parser(content, this.depth + 1).parseAll();
    return { kind: 'sub', script, quoted, form: '`' };
  }

  private nesting = 0;

  private nested<T>(fn: () => T): T {
    if (this.depth + 1 > MAX_DEPTH || this.nesting + 1 > MAX_DEPTH)
      throw new ParseError('the command nests too deeply to analyse');
    const pending = this.pendingHeredocs;
    this.pendingHeredocs = [];
    this.nesting++;
    try {
      const result = fn();
      if (this.pendingHeredocs.length > 0) pending.push(...this.pendingHeredocs);
      return result;
    } finally {
      this.nesting--;
      this.pendingHeredocs = pending;
    }
  }
}

function isKeywordCandidate(word: Word): boolean {
  return word.parts.length === 1 && word.parts[0]!.kind === 'lit' && !word.parts[0]!.quoted;
}

function asAssignment(word: Word): Assignment | undefined {
  const first = word.parts[0];
  if (first?.kind !== 'lit' || first.quoted) return undefined;
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(first.text);
  if (!match) return undefined;
  const restText = first.text.slice(match[0].length);
  const restParts: Part[] = restText ? [{ kind: 'lit', text: restText, quoted: false }] : [];
  const value: Word = {
    parts: [...restParts, ...word.parts.slice(1)],
    raw: word.raw.slice(match[0].length),
  };
  return { name: match[1]!, value };
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'end of command';
    case 'newline':
      return 'newline';
    case 'op':
      return `"${token.op}"`;
    case 'word':
      return `"${token.word.raw}"`;
  }
}

/** Parses a command line; throws ParseError for anything it cannot follow. */
export function parseShell(source: string, depth = 0): Script {
  return new Parser(source, depth).parseAll();
}
