/**
 * The built-in secret detectors: the token formats that leak most, each with a shape precise enough to
 * keep false positives rare, plus a generic "secret-looking assignment" rule gated by entropy.
 * `gitleaks` runs in addition when configured (gates.secrets.gitleaks).
 */
export interface SecretRule {
  readonly id: string;
  /** What it is, for the message: "an AWS access key ID". */
  readonly what: string;
  /** Global regex; the secret is capture group 1 when present, else the whole match. */
  readonly pattern: RegExp;
  /** Extra test on the secret (entropy, placeholders). */
  readonly accept?: (secret: string) => boolean;
  /** Only files whose path matches (a rule for one file format). */
  readonly files?: RegExp;
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|changeme|change_me|password|secret|example|sample|dummy|placeholder|your[_-]?\w*|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[^%]+%|\$[A-Z_][A-Z0-9_]*)$/i;

function looksReal(secret: string): boolean {
  if (PLACEHOLDER.test(secret)) return false;
  if (/^(?:process\.env|os\.environ|env\(|getenv)/i.test(secret)) return false;
  // A random string of n distinct characters has log2(n) bits per character: short secrets cannot reach a
  // fixed 3.5, so the bar scales with the length.
  return entropy(secret) >= Math.min(3.5, 0.8 * Math.log2(secret.length));
}

/**
 * An unquoted value in a YAML, properties, ini or dotenv file: it must look random, not like a word, a
 * reference (`${VAR}`, `{{ x }}`, `!vault`) or a dotted setting name. Several character classes and the
 * entropy bar together keep `password: changeme` and `secret: spring.datasource.key` out.
 */
function looksRealUnquoted(secret: string): boolean {
  if (!looksReal(secret)) return false;
  if (/^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+$/.test(secret)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(secret)).length;
  return classes >= 3;
}

export const secretRules: readonly SecretRule[] = [
  {
    id: 'private-key',
    what: 'a private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    id: 'aws-access-key-id',
    what: 'an AWS access key ID',
    pattern: /\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b/g,
  },
  {
    id: 'aws-secret-access-key',
    what: 'an AWS secret access key',
    pattern: /aws.{0,20}?(?:secret|private).{0,20}?['"=:\s]\s*['"]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    accept: (s) => entropy(s) >= 4,
  },
  { id: 'github-token', what: 'a GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,255})\b/g },
  {
    id: 'github-fine-grained-token',
    what: 'a GitHub fine-grained token',
    pattern: /\b(github_pat_[A-Za-z0-9_]{50,255})\b/g,
  },
  { id: 'gitlab-token', what: 'a GitLab token', pattern: /\b(glpat-[A-Za-z0-9_-]{20,})\b/g },
  { id: 'slack-token', what: 'a Slack token', pattern: /\b(xox[abposr]-[A-Za-z0-9-]{10,})\b/g },
  {
    id: 'slack-webhook',
    what: 'a Slack webhook URL',
    pattern: /(https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{20,})/g,
  },
  { id: 'stripe-key', what: 'a Stripe live key', pattern: /\b((?:sk|rk)_live_[A-Za-z0-9]{20,})\b/g },
  { id: 'google-api-key', what: 'a Google API key', pattern: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g },
  { id: 'npm-token', what: 'an npm access token', pattern: /\b(npm_[A-Za-z0-9]{36})\b/g },
  {
    id: 'anthropic-key',
    what: 'an Anthropic API key',
    pattern: /\b(sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,})/g,
  },
  {
    id: 'openai-key',
    what: 'an OpenAI API key',
    pattern: /\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})/g,
  },
  {
    id: 'sendgrid-key',
    what: 'a SendGrid API key',
    pattern: /\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'jwt',
    what: 'a JSON Web Token',
    pattern: /\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/g,
  },
  {
    id: 'url-credentials',
    what: 'a password in a URL',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:([^\s:@/'"]{6,})@[^\s'"]+/gi,
    accept: looksReal,
  },
  {
    id: 'secret-assignment',
    what: 'a secret-looking value assigned to a credential name',
    pattern:
      /\b(?:[a-z0-9_-]*(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key|client[_-]?secret))\b["']?\s*[:=]\s*["']([^"'\s]{12,})["']/gi,
    accept: looksReal,
  },
  {
    id: 'secret-assignment-unquoted',
    what: 'an unquoted secret-looking value of a credential key',
    pattern:
      /^[ \t]*-?[ \t]*[\w.-]*(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?key|client[_-]?secret)[\w.-]*[ \t]*[:=][ \t]*([^\s'"#&*!|>{}$,;()[\]][^\s'"{}$;()[\]]{11,})(?:[ \t]+#.*)?[ \t]*$/gim,
    accept: looksRealUnquoted,
    files: /(?:^|\/)(?:[^/]*\.(?:ya?ml|properties|ini|cfg|conf|env)|\.env(?:\.[^/]*)?)$/i,
  },
];

/**
 * What every finding in a commit message contains at least one of (case-insensitive POSIX ERE): the
 * commit-msg hook starts the gate only when `grep -iE` finds it. A test holds it to every rule's examples.
 */
export const messagePrefilter =
  'private key|akia|asia|abia|acca|a3t|aws|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\\.slack\\.com|_live_|aiza|npm_|sk-|sg\\.|eyj|://|passw|pwd|secret|api.?key|token|factory-allow-secret|[a-z0-9+/_-]{32}';

/**
 * `messagePrefilter` as one `case` pattern of POSIX sh (globs, each letter in both cases): the commit-msg
 * hook matches each line of the message in its own shell, so an ordinary commit starts no grep either.
 * Only the regular-expression forms the prefilter uses are translated (literals, `\\.`, `[...]`, `.?`,
 * `{n}`); anything else throws, so the two cannot drift apart silently (a test holds them to each other).
 */
export function prefilterCasePattern(ere: string = messagePrefilter): string {
  const globs: string[] = [];
  for (const alternative of ere.split('|')) {
    let variants = [''];
    const add = (parts: readonly string[]) => {
      variants = variants.flatMap((v) => parts.map((part) => v + part));
    };
    let previous = '';
    for (let i = 0; i < alternative.length; i++) {
      const c = alternative[i]!;
      if (c === '\\') {
        const next = alternative[++i];
        if (next === undefined || /[A-Za-z0-9]/.test(next)) throw new Error(`prefilter: \\${next ?? ''}`);
        previous = globLiteral(next);
        add([previous]);
      } else if (c === '[') {
        const end = alternative.indexOf(']', i);
        if (end < 0) throw new Error(`prefilter: unclosed [ in ${alternative}`);
        const inside = alternative.slice(i + 1, end);
        if (inside.startsWith('^') || inside.includes('[')) throw new Error(`prefilter: [${inside}]`);
        // Each letter or letter range also in upper case; a '-' last stays a literal '-' (kept last).
        const letters = inside.match(/[a-z]-[a-z]|[a-z]/g) ?? [];
        previous = `[${inside}${letters.join('').toUpperCase()}]`;
        if (inside.endsWith('-')) previous = `[${inside.slice(0, -1)}${letters.join('').toUpperCase()}-]`;
        add([previous]);
        i = end;
      } else if (c === '{') {
        const end = alternative.indexOf('}', i);
        const count = Number(alternative.slice(i + 1, end));
        if (end < 0 || !Number.isInteger(count) || count < 1 || !previous)
          throw new Error(`prefilter: ${alternative.slice(i)}`);
        add([previous.repeat(count - 1)]);
        i = end;
      } else if (c === '.' && alternative[i + 1] === '?') {
        add(['', '?']);
        previous = '';
        i++;
      } else if (/[A-Za-z]/.test(c)) {
        previous = `[${c.toLowerCase()}${c.toUpperCase()}]`;
        add([previous]);
      } else if (/[0-9 :/_+=@%,-]/.test(c)) {
        previous = globLiteral(c);
        add([previous]);
      } else throw new Error(`prefilter: "${c}" in ${alternative}`);
    }
    for (const variant of variants) globs.push(`*${variant}*`);
  }
  return globs.join('|');
}

function globLiteral(c: string): string {
  return /[A-Za-z0-9:/_+=@%,.-]/.test(c) ? c : `\\${c}`;
}
