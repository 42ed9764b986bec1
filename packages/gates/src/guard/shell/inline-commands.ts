/**
 * Inline code whose only way to run programs is a shell command written out as a plain string literal:
 * `python -c 'import os; os.system("rm -r build")'`, awk's `"date" | getline d` and `print x | "sort"`.
 * Those strings are shell command lines like any other, so the analysis follows them instead of refusing
 * the code as opaque. Anything less plain (escapes, string building, f-strings, awk regular expressions
 * or division that could hide a quote) is left to the opaque-code check, which refuses it.
 */

export interface LiteralCommands {
  /**
   * The shell command lines the code runs; `fed` when the code writes into the command's input (awk's
   * `print x | "cmd"`): what it reads there is only known at run time (`print "rm -rf /" | "sh"`).
   */
  readonly commands: Array<{ readonly text: string; readonly fed: boolean }>;
  /** The code with those calls taken out, for the opaque-code check of what remains. */
  readonly rest: string;
}

const PYTHON_SYSTEM =
  /^\s*import\s+os\s*[;\n]\s*os\.system\(\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")\s*\)\s*;?\s*$/;

function python(code: string): LiteralCommands | undefined {
  const match = PYTHON_SYSTEM.exec(code);
  if (!match) return undefined;
  return { commands: [{ text: match[1] ?? match[2] ?? '', fed: false }], rest: '' };
}

function awk(code: string): LiteralCommands | undefined {
  if (code.includes('\\')) return undefined;
  // Strings pair up when nothing outside them can hold a quote: no regular expression, no division.
  const outside = code.replace(/"[^"\n]*"/g, 'S');
  if (outside.includes('"') || outside.includes('/')) return undefined;
  const commands: LiteralCommands['commands'] = [];
  let rest = code.replace(/"([^"\n]*)"\s*\|\s*getline\b/g, (_all, command: string) => {
    commands.push({ text: command, fed: false });
    return '1';
  });
  rest = rest.replace(
    /(\bprintf?\b[^;}|>"]*(?:"[^"\n]*"[^;}|>"]*)*)\|\s*"([^"\n]*)"/g,
    (_all, head: string, command: string) => {
      commands.push({ text: command, fed: true });
      return head;
    },
  );
  return commands.length > 0 ? { commands, rest } : undefined;
}

export function literalShellCommands(language: string, code: string): LiteralCommands | undefined {
  if (language === 'python') return python(code);
  if (language === 'awk') return awk(code);
  return undefined;
}
