import { secretRules } from './rules.js';

export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly what: string;
  /** The secret with its middle masked: enough to find it, not enough to use it. */
  readonly masked: string;
}

/** A line that carries this marker is not scanned: a visible, reviewable exception. */
export const allowSecretPragma = 'factory-allow-secret';

export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '*'.repeat(secret.length);
  return `${secret.slice(0, 4)}…${secret.slice(-2)}`;
}

/** True when the first 8000 bytes hold a NUL: a binary file, not scanned as text. */
export function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

/** Scans one file's text; line numbers are 1-based. */
export function scanText(file: string, text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const rule of secretRules) {
    rule.pattern.lastIndex = 0;
    // Fast reject: most files match no rule at all, and one regex pass over the whole text is cheap.
    if (!rule.pattern.test(text)) continue;
    rule.pattern.lastIndex = 0;
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match[1] ?? match[0];
      if (rule.accept && !rule.accept(secret)) continue;
      const index = match.index ?? 0;
      const lineStart = text.lastIndexOf('\n', index - 1) + 1;
      const lineEnd = text.indexOf('\n', index);
      const lineText = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
      if (lineText.includes(allowSecretPragma)) continue;
      const line = countLines(text, index);
      if (findings.some((f) => f.line === line && f.masked === maskSecret(secret))) continue;
      findings.push({ file, line, rule: rule.id, what: rule.what, masked: maskSecret(secret) });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

function countLines(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
