/**
 * Token-shaped secrets: what the guard refuses to let the agent write (Write/Edit content, a literal in a
 * command) and what it redacts from everything it records.
 */

interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
}

const PATTERNS: readonly SecretPattern[] = [
  { name: 'a private key', regex: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'an AWS access key', regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a GitHub token', regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: 'a GitLab token', regex: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { name: 'a Slack token', regex: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: 'a Stripe secret key', regex: /\b[sr]k_live_[A-Za-z0-9]{20,}\b/ },
  { name: 'a Google API key', regex: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'an Anthropic API key', regex: /\bsk-ant-[A-Za-z0-9_-]{20,}/ },
  { name: 'an OpenAI API key', regex: /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/ },
  { name: 'an npm token', regex: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'a PyPI token', regex: /\bpypi-[A-Za-z0-9_-]{50,}/ },
  { name: 'a SendGrid key', regex: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/ },
  { name: 'a Twilio key', regex: /\bSK[0-9a-f]{32}\b/ },
  { name: 'credentials in a URL', regex: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:[^\s@/'"$]{8,}@[^\s'"]+/ },
];

/**
 * `password = "..."`, `API_KEY: '...'` with a value that looks random (letters and digits, long enough):
 * placeholders and references (`${X}`, `process.env.X`, `changeme`) do not count.
 */
const ASSIGNED =
  /\b([A-Za-z0-9_]*(?:secret|passw(?:or)?d|api[_-]?key|access[_-]?key|auth[_-]?token|private[_-]?key|client[_-]?secret)[A-Za-z0-9_]*)["']?\s*[:=]\s*["']([^"'\s]{16,})["']/gi;

function looksRandom(value: string): boolean {
  if (/^(x+|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\})$/i.test(value)) return false;
  if (
    /(example|changeme|placeholder|your[_-]|dummy|redacted|test|fake|process\.env|os\.environ)/i.test(value)
  )
    return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((regex) => regex.test(value)).length;
  return classes >= 2 && new Set(value).size >= 10;
}

/** The kinds of secrets found in a text (empty when none). */
export function findSecrets(text: string): string[] {
  const found: string[] = [];
  for (const pattern of PATTERNS) if (pattern.regex.test(text)) found.push(pattern.name);
  for (const match of text.matchAll(ASSIGNED)) {
    if (looksRandom(match[2]!)) {
      found.push(`a literal value for ${match[1]}`);
      break;
    }
  }
  return found;
}

/** The text with every secret replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const pattern of PATTERNS) out = out.replace(new RegExp(pattern.regex.source, 'g'), '[REDACTED]');
  out = out.replace(ASSIGNED, (whole, _name: string, value: string) =>
    looksRandom(value) ? whole.replace(value, '[REDACTED]') : whole,
  );
  // NAME=value of variables whose name says secret.
  out = out.replace(
    /\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g,
    '$1=[REDACTED]',
  );
  return out;
}
