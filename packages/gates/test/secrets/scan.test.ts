import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretRules } from '@factory/gates/secrets/rules';
import { scanText } from '@factory/gates/secrets/scan';

// Built from pieces so that no scanner flags this file itself.
const j = (...parts: string[]) => parts.join('');
const positives: Record<string, string> = {
  'private-key': j('-----BEGIN RSA ', 'PRIVATE KEY-----\nMIIEow...'),
  'aws-access-key-id': j('key = "AKIA', 'Z7Q2X4M8K1P9D3W5"'),
  'aws-secret-access-key': j('aws_secret_access_key = "', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'),
  'github-token': j('ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'),
  'github-fine-grained-token': j(
    'github_pat_',
    '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX',
  ),
  'gitlab-token': j('glpat-', 'xY3kP9mQ2vL8nR4tW6zA'),
  'slack-token': j('xoxb-', '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'),
  'slack-webhook': j('https://hooks.slack.com/services/', 'T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx'),
  'stripe-key': j('sk_live_', '4eC39HqLyjWDarjtT1zdp7dc'),
  'google-api-key': j('AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'),
  'npm-token': j('npm_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'),
  'anthropic-key': j('sk-ant-api03-', 'a'.repeat(40), 'B1c2D3e4F5'.repeat(5)),
  'openai-key': j('sk-proj-', 'abcDEF123ghiJKL456mno', 'T3BlbkFJ', 'pqrSTU789vwxYZA012bcd'),
  'sendgrid-key': j('SG.', 'abcdefghijklmnopqrstuv', '.', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq'),
  jwt: j(
    'eyJhbGciOiJIUzI1NiJ9',
    '.eyJzdWIiOiIxMjM0NTY3ODkwIn0',
    '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ),
  'url-credentials': j('postgres://admin:', 'Xk9#pL2vQz', '@db.internal:5432/app'),
  'secret-assignment': j('api_key = "', 'q8Zr2LmX0vT7pK4wN9sB"'),
};

describe('built-in secret detectors', () => {
  it('every rule has a positive example here', () => {
    assert.deepEqual(Object.keys(positives).sort(), secretRules.map((rule) => rule.id).sort());
  });

  for (const [id, text] of Object.entries(positives)) {
    it(`${id}: found, on the right line, masked`, () => {
      const findings = scanText('f.txt', `first line\n${text}\n`);
      const finding = findings.find((f) => f.rule === id);
      assert.ok(finding, `${id} not found in ${JSON.stringify(findings)}`);
      assert.equal(finding.line, 2);
      assert.ok(!text.includes(finding.masked.replace('…', '')) || finding.masked.length < 12);
    });
  }

  it('ignores placeholders, environment reads, short values and the allow pragma', () => {
    const clean = [
      'password = "changeme"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder is the point here
      'api_key = "${API_KEY}"',
      'secret: "<your-secret-here>"',
      'token = process.env.GITHUB_TOKEN',
      'password = "short"',
      'client_secret = "xxxxxxxxxxxxxxxxxxxx"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style placeholder is the point here
      'postgres://user:${PASSWORD}@localhost/db',
      j('const k = "AKIA', 'Z7Q2X4M8K1P9D3W5"; // factory-allow-secret: documented example'),
      'AKIA is a prefix, AKIAshort is not a key',
      '=======',
    ];
    assert.deepEqual(scanText('f.txt', clean.join('\n')), []);
  });
});
