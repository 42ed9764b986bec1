import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { messagePrefilter, prefilterCasePattern, secretRules } from '@factory/gates/secrets/rules';
import { scanContent, scanSecrets, scanText } from '@factory/gates/secrets/scan';

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
  'secret-assignment-unquoted': j('  password: ', 'Xk9#pL2vQz7mR4wN'),
};
/** Rules for one file format get an example file of that format. */
const exampleFile: Record<string, string> = { 'secret-assignment-unquoted': 'config/app.yml' };

describe('built-in secret detectors', () => {
  it('every rule has a positive example here', () => {
    assert.deepEqual(Object.keys(positives).sort(), secretRules.map((rule) => rule.id).sort());
  });

  for (const [id, text] of Object.entries(positives)) {
    it(`${id}: found, on the right line, masked`, () => {
      const findings = scanText(exampleFile[id] ?? 'f.txt', `first line\n${text}\n`);
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

  it('the commit-msg prefilter (grep -iE, as the hook runs it) matches every example, base64 ones too', () => {
    const texts = [
      ...Object.values(positives),
      Buffer.from(positives['aws-access-key-id']!).toString('base64'),
      'fix: factory-allow-secret: documented example',
    ];
    for (const text of texts) {
      assert.ok(new RegExp(messagePrefilter, 'i').test(text), text);
      const grep = spawnSync('grep', ['-qiE', messagePrefilter], { input: `subject\n\n${text}\n` });
      assert.equal(grep.status, 0, `grep -iE misses ${text}`);
    }
    const plain = spawnSync('grep', ['-qiE', messagePrefilter], { input: 'fix: the parser counts lines\n' });
    assert.equal(plain.status, 1, 'an ordinary message starts no node process');
  });

  it('the shell form of the prefilter (the hook’s own case pattern) agrees with grep -iE line by line', () => {
    const lines = [
      ...Object.values(positives).flatMap((text) => text.split('\n')),
      Buffer.from(positives['aws-access-key-id']!).toString('base64'),
      'fix: factory-allow-secret: documented example',
      'fix: the parser counts lines',
      'Feat: Private Key handling',
      'docs: API-KEY and api_key and apikey, ApIkEy',
      'chore: bump GH_ version, ghp_ and GHS_',
      'see HTTPS://example.invalid',
      `${'a'.repeat(31)} short run`,
      `${'A1+/_-'.repeat(6)}`,
      'x'.repeat(31),
      'x'.repeat(32),
      'sg.x sk- npm_ eyJ _live_ aiza a3t abia acca asia akia aws pwd passw secret token',
      'hooks.slack.com hooksXslackYcom xoxb- xoxz-',
      'nothing to see: merge branch main into topic',
      '',
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'factory-prefilter-')), 'lines');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const script = `while IFS= read -r l; do case "$l" in ${prefilterCasePattern()}) echo 1 ;; *) echo 0 ;; esac; done <"$1"`;
    const shell = spawnSync('sh', ['-c', script, 'sh', file], { encoding: 'utf8' }).stdout.trim().split('\n');
    lines.forEach((line, i) => {
      const grep = spawnSync('grep', ['-qiE', messagePrefilter], { input: `${line}\n` }).status === 0;
      assert.equal(shell[i] === '1', grep, `sh and grep disagree on: ${line}`);
    });
  });
});

const KEY = j('AKIA', 'Z7Q2X4M8K1P9D3W5');

describe('what the secret scan reads', () => {
  it('UTF-16 (with or without a byte-order mark, either byte order) and binary-looking files', () => {
    const text = `first\nconst key = "${KEY}";\n`;
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const cases: Record<string, Buffer> = {
      'utf-16le with BOM': Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
      'utf-16le without BOM': le,
      'utf-16be with BOM': Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
      'binary (NUL bytes around the text)': Buffer.concat([
        Buffer.from([0, 1, 2, 0, 255]),
        Buffer.from(text),
        Buffer.alloc(64),
      ]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const { findings } = scanContent('f.bin', bytes);
      assert.deepEqual(
        findings.map((f) => [f.rule, f.line]),
        [['aws-access-key-id', 2]],
        name,
      );
    }
  });

  it('base64-encoded keys are decoded and scanned; base64 of random bytes is not a finding', () => {
    const encoded = Buffer.from(`aws_key=${KEY}\n`).toString('base64');
    const found = scanText('secret.yaml', `data:\n  creds: ${encoded}\n`);
    assert.deepEqual(
      found.map((f) => [f.rule, f.line, f.what]),
      [['aws-access-key-id', 2, 'an AWS access key ID, base64-encoded']],
    );
    const random = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 97 + 13) % 256)).toString('base64');
    assert.deepEqual(scanText('x.txt', `blob: ${random}\n`), []);
  });

  it('unquoted YAML/properties/.env values: random ones are found, words, references and code are not', () => {
    const found = (file: string, line: string) => scanText(file, `${line}\n`).map((f) => f.rule);
    assert.deepEqual(found('app.properties', j('db.password=', 'Xk9#pL2vQz7mR4wN')), [
      'secret-assignment-unquoted',
    ]);
    assert.deepEqual(found('.env.production', j('API_KEY=', 'q8Zr2LmX0vT7pK4wN9sB')), [
      'secret-assignment-unquoted',
    ]);
    for (const line of [
      'password: changeme-please',
      'secret: spring.datasource.password',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder is the point here
      'password: ${DB_PASSWORD}',
      'api_key: !vault |',
      'password: hunter2hunter2',
    ]) {
      assert.deepEqual(found('config.yml', line), [], line);
    }
    assert.deepEqual(found('app.js', j('password = ', 'Xk9#pL2vQz7mR4wN')), [], 'code is not YAML');
  });

  it('an allow marker takes a reason and covers one finding', () => {
    const two = j('a = "AKIA', 'Z7Q2X4M8K1P9D3W5"; b = "ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"');
    const none = scanSecrets('f.js', `${two} // factory-allow-secret\n`);
    assert.equal(none.findings.length, 2, 'a marker without a reason allows nothing');
    assert.ok(none.findings.every((f) => f.markerWithoutReason));
    const one = scanSecrets('f.js', `${two} // factory-allow-secret: fixture for the docs\n`);
    assert.equal(one.findings.length, 1, 'one marker, one finding');
    assert.deepEqual(
      one.allowed.map((a) => [a.line, a.by, a.reason]),
      [[1, 'marker', 'fixture for the docs']],
    );
    const both = scanSecrets(
      'f.js',
      `${two} // factory-allow-secret: first fixture, factory-allow-secret: second fixture\n`,
    );
    assert.equal(both.findings.length, 0);
    assert.equal(both.allowed.length, 2);
  });
});
