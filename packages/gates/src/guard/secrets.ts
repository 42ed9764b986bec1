/**
 * Token-shaped secrets: what the guard refuses to let the agent write (Write/Edit content, a literal in a
 * command) and what it redacts from everything it records.
 */

export interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
}

export const PATTERNS: readonly SecretPattern[] = [
  // Every repetition is bounded: an unbounded one after a short prefix is quadratic on a long run of
  // that prefix ("sk-sk-sk-...": seconds for 100 KB), a way to stall the guard past its time-out.
  { name: 'a private key', regex: /-----BEGIN (?:[A-Z]{1,20} )?PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'an AWS access key', regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a GitHub token', regex: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{40,255})\b/ },
  { name: 'a GitLab token', regex: /\bglpat-[A-Za-z0-9_-]{20,64}\b/ },
  { name: 'a Slack token', regex: /\bxox[abposr]-[A-Za-z0-9-]{10,128}\b/ },
  { name: 'a Stripe secret key', regex: /\b[sr]k_live_[A-Za-z0-9]{20,128}\b/ },
  { name: 'a Google API key', regex: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'an Anthropic API key', regex: /\bsk-ant-[A-Za-z0-9_-]{20,256}/ },
  { name: 'an OpenAI API key', regex: /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,256}/ },
  { name: 'an npm token', regex: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'a PyPI token', regex: /\bpypi-[A-Za-z0-9_-]{50,256}/ },
  { name: 'a SendGrid key', regex: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/ },
  { name: 'a Twilio key', regex: /\bSK[0-9a-f]{32}\b/ },
  {
    name: 'credentials in a URL',
    regex: /\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:/@'"]{1,128}:[^\s@/'"$]{8,128}@[^\s'"]/,
  },
];

/**
 * `password = "..."`, `API_KEY: '...'` with a value that looks random (letters and digits, long enough):
 * placeholders and references (`${X}`, `process.env.X`, `changeme`) do not count. The name is matched with
 * a bounded identifier and checked afterwards: nested unbounded quantifiers here made a long run of
 * "secret" quadratic (seconds for 100 KB), a way to stall the guard past its time-out.
 */
export const ASSIGNED = /\b([A-Za-z0-9_]{1,64})["']?\s{0,8}[:=]\s{0,8}["']([^"'\s]{16,512})["']/g;
const SECRET_NAME =
  /secret|passw(?:or)?d|api[_-]?key|access[_-]?key|auth[_-]?token|private[_-]?key|client[_-]?secret/i;
const SECRET_VARIABLE = /TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY/;

function looksRandom(value: string): boolean {
  if (/^(x+|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\})$/i.test(value)) return false;
  if (
    /(example|changeme|placeholder|your[_-]|dummy|redacted|test|fake|process\.env|os\.environ)/i.test(value)
  )
    return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((regex) => regex.test(value)).length;
  return classes >= 2 && new Set(value).size >= 10;
}

/**
 * Example credentials that vendors publish in their documentation (AWS's AKIAIOSFODNN7EXAMPLE and its
 * secret key): they grant nothing, and documentation quotes them.
 */
const PUBLISHED_EXAMPLES =
  /AKIAIOSFODNN7EXAMPLE|ASIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYEXAMPLEKEY/g;

/**
 * Whether a text can hold a secret at all: every pattern above and the assignment need a run of at least
 * 15 characters without white space (the shortest, a Slack token, has 15: a test holds them to it), and a
 * private key a `-----BEGIN`. Most commands have neither (`ls -la`, `git status`, `npm test`): this one
 * test instead of the fifteen expressions, which V8 compiles on their first use in every hook process
 * (measured: about 0.5 ms of a guard call).
 */
export const MAY_HOLD_SECRET = /\S{15}|-----BEGIN/;

/** The kinds of secrets found in a text (empty when none). */
export function findSecrets(input: string): string[] {
  if (!MAY_HOLD_SECRET.test(input)) return [];
  const text = input.replace(PUBLISHED_EXAMPLES, 'EXAMPLE');
  const found: string[] = [];
  for (const pattern of PATTERNS) if (pattern.regex.test(text)) found.push(pattern.name);
  for (const match of text.matchAll(ASSIGNED)) {
    if (SECRET_NAME.test(match[1]!) && looksRandom(match[2]!)) {
      found.push(`a literal value for ${match[1]}`);
      break;
    }
  }
  return found;
}

/** The text with every secret replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  let out = text;
  if (MAY_HOLD_SECRET.test(text)) {
    for (const pattern of PATTERNS) out = out.replace(new RegExp(pattern.regex.source, 'g'), '[REDACTED]');
    out = out.replace(ASSIGNED, (whole, name: string, value: string) =>
      SECRET_NAME.test(name) && looksRandom(value) ? whole.replace(value, '[REDACTED]') : whole,
    );
  }
  // NAME=value of variables whose name says secret.
  out = out.replace(/\b([A-Z][A-Z0-9_]{0,63})=("[^"]*"|'[^']*'|\S+)/g, (whole, name: string) =>
    SECRET_VARIABLE.test(name) ? `${name}=[REDACTED]` : whole,
  );
  return out;
}
