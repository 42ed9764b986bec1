import type picomatchModule from 'picomatch';
import { messages } from '../messages.js';
import { type AllowedSecret, isBinary, scanContent } from '../secrets/scan.js';
import type { Finding } from './findings.js';
import type { StagedFile } from './staged.js';

/**
 * The built-in checks on staged content. They read the blobs that will be committed (never the working
 * tree) and need no other process.
 */

let picomatch: typeof picomatchModule | undefined;

/**
 * picomatch, loaded when a glob needs it: its module costs a commit about 2 ms to evaluate, and the usual
 * globs never reach it (see simpleGlobSource). Required at run time, so the gate's bundle keeps it out.
 */
function loadPicomatch(): typeof picomatchModule {
  picomatch ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)(
    'picomatch',
  ) as typeof picomatchModule;
  return picomatch;
}

/** A glob list in the lint-staged sense: no slash matches the file name anywhere; `!glob` re-allows. */
export function pathMatcher(globs: readonly string[]): (path: string) => boolean {
  const include = globs.filter((g) => !g.startsWith('!'));
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  const compile = (list: string[]): ((p: string) => boolean) => {
    if (list.length === 0) return () => false;
    // Simple globs (the usual *.ext, {a,b}, names) become one RegExp directly: compiling them with
    // picomatch costs milliseconds on every commit. Anything richer goes to picomatch.
    const simple = list.map(simpleGlobSource);
    if (simple.every((source) => source !== undefined)) {
      const regex = new RegExp(`^(?:${simple.join('|')})$`);
      return (p) => regex.test(p);
    }
    return loadPicomatch()(list, { dot: true, basename: false, matchBase: false }) as (p: string) => boolean;
  };
  const [incFull, incBase] = split(include);
  const [excFull, excBase] = split(exclude);
  const mIncFull = compile(incFull);
  const mIncBase = compile(incBase);
  const mExcFull = compile(excFull);
  const mExcBase = compile(excBase);
  return (path) => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!(mIncFull(path) || mIncBase(base))) return false;
    return !(mExcFull(path) || mExcBase(base));
  };
}

/**
 * The RegExp source of a glob made only of literal characters, `*`, `?` and one level of `{a,b}` within a
 * single path segment (what picomatch with `dot: true` would match), or undefined for anything else.
 */
export function simpleGlobSource(glob: string): string | undefined {
  if (glob.includes('/') || /[[\]()!+@\\]/.test(glob) || glob.includes('**')) return undefined;
  let out = '';
  let inBraces = false;
  for (const ch of glob) {
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') {
      if (inBraces) return undefined;
      inBraces = true;
      out += '(?:';
    } else if (ch === '}') {
      if (!inBraces) return undefined;
      inBraces = false;
      out += ')';
    } else if (ch === ',' && inBraces) out += '|';
    else out += ch.replace(/[.^$|{}()[\]\\+*?]/g, '\\$&');
  }
  // (?=.): an empty name matches nothing, as with picomatch.
  return inBraces ? undefined : `(?=.)${out}`;
}

function split(globs: string[]): [string[], string[]] {
  return [globs.filter((g) => g.includes('/')), globs.filter((g) => !g.includes('/'))];
}

export interface SecretPathAllowance {
  readonly path: string;
  readonly reason: string;
}

/**
 * The secret check on staged (or pushed) content: every file is scanned, text or not (see textOf).
 * Allowances (a `factory-allow-secret: reason` marker, a gates.secrets.allowPaths entry) let a finding
 * through with their reason, which goes into `allowed` to be recorded with the run.
 */
export function checkSecrets(
  files: readonly { path: string; content?: Buffer }[],
  allowPaths: readonly SecretPathAllowance[],
  allowed: AllowedSecret[] = [],
): Finding[] {
  const matchers = allowPaths.map((entry) => ({ match: pathMatcher([entry.path]), reason: entry.reason }));
  const findings: Finding[] = [];
  for (const file of files) {
    if (!file.content) continue;
    const result = scanContent(file.path, file.content);
    allowed.push(...result.allowed);
    if (result.findings.length === 0) continue;
    const byPath = matchers.find((m) => m.match(file.path));
    for (const found of result.findings) {
      if (byPath) {
        allowed.push({
          file: found.file,
          line: found.line,
          rule: found.rule,
          masked: found.masked,
          by: 'allowPaths',
          reason: byPath.reason,
        });
        continue;
      }
      findings.push({
        check: 'secrets',
        file: found.file,
        line: found.line,
        message: messages.secretFound(found.what, found.masked, found.rule),
        fix: found.markerWithoutReason ? messages.secretMarkerNeedsReason : messages.secretFix,
      });
    }
  }
  return findings;
}

/** Says on stderr what each allowance let through; returns the entries to record with the run. */
export function reportAllowed(
  allowed: readonly AllowedSecret[],
  commitOf?: (file: string) => string | undefined,
) {
  return allowed.map((entry) => {
    const commit = commitOf?.(entry.file);
    const where = `${entry.file}:${entry.line}${commit ? ` in commit ${commit.slice(0, 10)}` : ''}`;
    const by = entry.by === 'marker' ? 'its factory-allow-secret marker' : 'gates.secrets.allowPaths';
    process.stderr.write(`${messages.secretAllowed(where, entry.rule, by, entry.reason)}\n`);
    return {
      file: entry.file,
      line: entry.line,
      rule: entry.rule,
      by: entry.by,
      reason: entry.reason,
      ...(commit ? { commit } : {}),
    };
  });
}

const CONFLICT = /^(<{7}(?: |$)|>{7}(?: |$)|\|{7}(?: |$))/m;

export function checkConflictMarkers(files: readonly StagedFile[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    if (!file.content || isBinary(file.content)) continue;
    const text = file.content.toString('utf8');
    if (!CONFLICT.test(text)) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (CONFLICT.test(lines[i]!)) {
        findings.push({
          check: 'conflict-markers',
          file: file.path,
          line: i + 1,
          message: messages.conflictMarker(lines[i]!.slice(0, 7)),
          fix: messages.conflictMarkerFix,
        });
        break;
      }
    }
  }
  return findings;
}

export function checkLargeFiles(files: readonly StagedFile[], maxKb: number): Finding[] {
  if (maxKb <= 0) return [];
  const limit = maxKb * 1024;
  return files
    .filter((file) => (file.size ?? 0) > limit)
    .map((file) => ({
      check: 'large-files' as const,
      file: file.path,
      message: messages.largeFile(Math.ceil((file.size ?? 0) / 1024), maxKb),
      fix: messages.largeFileFix,
    }));
}

export function checkForbiddenPaths(files: readonly StagedFile[], globs: readonly string[]): Finding[] {
  const forbidden = pathMatcher(globs);
  return files
    .filter((file) => forbidden(file.path))
    .map((file) => ({
      check: 'forbidden-paths' as const,
      file: file.path,
      message: messages.forbiddenPath,
      fix: messages.forbiddenPathFix(file.path),
    }));
}
