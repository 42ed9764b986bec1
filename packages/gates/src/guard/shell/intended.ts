import { parseShell } from './parse.js';

/**
 * What a command that does not parse was meant to be: the command with an unclosed quote or parenthesis
 * closed, or a stray operator at either end removed (`git reset --hard 'oops` is `git reset --hard
 * 'oops'`, `&& git reset --hard` is `git reset --hard`). Only used for a command the shell itself refuses
 * to parse, which runs nothing whatever the guard says (shell-syntax.ts): the reading decides what the
 * model is told, never what runs. A command meant to do what the rules refuse is refused now, with that
 * rule's reason, rather than let through to fail on its syntax and be refused once fixed.
 */

const CLOSERS = ["'", '"', '`', ')', '}', '"\'', '\'"', '")', "')", '))', ']]'];
const LEADING_OPERATOR = /^\s*(?:&&|\|\||\|&|;;|[|&;])\s*/;
const TRAILING_OPERATOR = /\s*(?:&&|\|\||\|&|\|)\s*$/;

function parses(text: string): boolean {
  if (text.trim() === '') return false;
  try {
    parseShell(text);
    return true;
  } catch {
    return false;
  }
}

/** The first repaired reading of `command` that our parser accepts, or undefined. */
export function intendedCommand(command: string): string | undefined {
  let trimmed = command;
  while (LEADING_OPERATOR.test(trimmed)) trimmed = trimmed.replace(LEADING_OPERATOR, '');
  trimmed = trimmed.replace(TRAILING_OPERATOR, '');
  const bases = trimmed === command ? [command] : [trimmed, command];
  for (const base of bases) {
    if (base !== command && parses(base)) return base;
    for (const closer of CLOSERS) if (parses(base + closer)) return base + closer;
  }
  return undefined;
}
