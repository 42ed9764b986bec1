import { secretRules } from './rules.js';

export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly what: string;
  /** The secret with its middle masked: enough to find it, not enough to use it. */
  readonly masked: string;
  /** Set when a `factory-allow-secret` marker on the line has no reason (it allows nothing then). */
  readonly markerWithoutReason?: boolean;
}

/** A finding that an allowance let through, with the allowance's reason: recorded with the gate run. */
export interface AllowedSecret {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly masked: string;
  readonly by: 'marker' | 'allowPaths';
  readonly reason: string;
}

export interface ScanResult {
  readonly findings: SecretFinding[];
  readonly allowed: AllowedSecret[];
}

/**
 * The inline allowance: `factory-allow-secret: <reason>` on the line of the finding. One marker covers
 * one finding (two secrets on a line need two markers); a marker without a reason covers nothing.
 */
export const allowSecretPragma = 'factory-allow-secret';
const MARKER = /factory-allow-secret(?::[ \t]*((?:(?!factory-allow-secret)[^\n])*))?/g;

export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return `${secret.slice(0, 4)}…${secret.slice(-2)}`;
}

/** True when the first 8000 bytes hold a NUL (git's own test): not plain text. */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/**
 * The text of a file for scanning, whatever it looks like: UTF-8; UTF-16 (a byte-order mark, or the NUL
 * of every other byte that ASCII text in UTF-16 has); anything else with a NUL (binary-looking: a
 * database, an archive without compression, a document) as its bytes with every non-printable byte made
 * a space, so that the strings inside are scanned and line numbers still count the file's newlines.
 */
export function textOf(content: Buffer): string {
  if (!isBinary(content)) return content.toString('utf8');
  const utf16 = utf16Order(content);
  if (utf16 === 'le') return content.toString('utf16le');
  if (utf16 === 'be') {
    const swapped = Buffer.from(content.subarray(0, content.length - (content.length % 2)));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = content.toString('latin1');
  return text.replace(/[^\t\n\r\x20-\x7e]/g, ' ');
}

function utf16Order(content: Buffer): 'le' | 'be' | undefined {
  if (content[0] === 0xff && content[1] === 0xfe) return 'le';
  if (content[0] === 0xfe && content[1] === 0xff) return 'be';
  const sample = content.subarray(0, Math.min(content.length, 8000) & ~1);
  if (sample.length < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) evenNul++;
    if (sample[i + 1] === 0) oddNul++;
  }
  const pairs = sample.length / 2;
  if (oddNul > pairs * 0.6 && evenNul < pairs * 0.05) return 'le';
  if (evenNul > pairs * 0.6 && oddNul < pairs * 0.05) return 'be';
  return undefined;
}

/** Scans one file's content (any encoding, see textOf); allowances applied and reported. */
export function scanContent(file: string, content: Buffer): ScanResult {
  return scanSecrets(file, textOf(content));
}

/** Scans text; line numbers are 1-based. Findings that markers allow are returned apart. */
export function scanSecrets(file: string, text: string): ScanResult {
  const raw = rawFindings(file, text);
  if (raw.length === 0) return { findings: [], allowed: [] };
  const findings: SecretFinding[] = [];
  const allowed: AllowedSecret[] = [];
  const lines = text.split('\n');
  const markersUsed = new Map<number, number>();
  for (const finding of raw) {
    const markers = [...(lines[finding.line - 1] ?? '').matchAll(MARKER)].map((m) => reasonOf(m[1]));
    if (markers.length === 0) {
      findings.push(finding);
      continue;
    }
    const used = markersUsed.get(finding.line) ?? 0;
    const withReason = markers.filter((reason) => reason !== undefined);
    if (used < withReason.length) {
      markersUsed.set(finding.line, used + 1);
      allowed.push({
        file,
        line: finding.line,
        rule: finding.rule,
        masked: finding.masked,
        by: 'marker',
        reason: withReason[used]!,
      });
    } else {
      findings.push(withReason.length < markers.length ? { ...finding, markerWithoutReason: true } : finding);
    }
  }
  return { findings, allowed };
}

/** The findings, allowances not applied (the guard's view: what the text holds). */
export function scanText(file: string, text: string): SecretFinding[] {
  return scanSecrets(file, text).findings;
}

function reasonOf(raw: string | undefined): string | undefined {
  const reason = raw?.replace(/[\s,;]*(?:\*\/|-->|#\}|%>)?[\s,;]*$/, '').trim();
  return reason && reason.length >= 3 ? reason : undefined;
}

function rawFindings(file: string, text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const add = (rule: { id: string; what: string }, secret: string, index: number, what = rule.what) => {
    const line = countLines(text, index);
    const masked = maskSecret(secret);
    if (findings.some((f) => f.line === line && f.masked === masked)) return;
    findings.push({ file, line, rule: rule.id, what, masked });
  };
  for (const rule of secretRules) {
    if (rule.files && !rule.files.test(file)) continue;
    rule.pattern.lastIndex = 0;
    // Fast reject: most files match no rule at all, and one regex pass over the whole text is cheap.
    if (!rule.pattern.test(text)) continue;
    rule.pattern.lastIndex = 0;
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match[1] ?? match[0];
      if (rule.accept && !rule.accept(secret)) continue;
      add(rule, secret, match.index ?? 0);
    }
  }
  // Keys hidden in base64 (a Kubernetes secret, a data URL, a config blob): decoded and scanned once.
  BASE64.lastIndex = 0;
  for (const match of text.matchAll(BASE64)) {
    const decoded = decodeBase64Text(match[0]);
    if (!decoded) continue;
    for (const inner of rawFindings(file, decoded)) {
      add({ id: inner.rule, what: inner.what }, match[0], match.index ?? 0, `${inner.what}, base64-encoded`);
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

/** Runs of base64 long enough to hide a key (24 bytes and more once decoded). */
const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_=-])/g;

function decodeBase64Text(run: string): string | undefined {
  // Identifiers and hex are not base64 worth decoding: it needs upper and lower case, or + / - _.
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run)) return undefined;
  const bytes = Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 16) return undefined;
  let printable = 0;
  for (const byte of bytes)
    if ((byte >= 0x20 && byte < 0x7f) || byte === 9 || byte === 10 || byte === 13) printable++;
  return printable / bytes.length > 0.95 ? bytes.toString('latin1') : undefined;
}

function countLines(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
