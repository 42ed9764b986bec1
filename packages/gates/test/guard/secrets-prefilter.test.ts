import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASSIGNED,
  findSecrets,
  MAY_HOLD_SECRET,
  PATTERNS,
  redactSecrets,
} from '@factory/gates/guard/secrets';

/**
 * The secrets' prefilter (guard/secrets.ts, MAY_HOLD_SECRET): one test that every secret the patterns find
 * passes, so that a text failing it needs none of them. Each pattern has its shortest match here, which the
 * pattern finds and one character less does not: a new pattern, or one that finds shorter secrets, fails
 * this test until the prefilter is shown to let its secrets through.
 */
const shortest: Record<string, string> = {
  'a private key': '-----BEGIN PRIVATE KEY-----',
  'an AWS access key': `AKIA${'Q'.repeat(16)}`,
  'a GitHub token': `ghp_${'a'.repeat(36)}`,
  'a GitLab token': `glpat-${'a'.repeat(20)}`,
  'a Slack token': `xoxb-${'a'.repeat(10)}`,
  'a Stripe secret key': `sk_live_${'a'.repeat(20)}`,
  'a Google API key': `AIza${'a'.repeat(35)}`,
  'an Anthropic API key': `sk-ant-${'a'.repeat(20)}`,
  'an OpenAI API key': `sk-${'a'.repeat(32)}`,
  'an npm token': `npm_${'a'.repeat(36)}`,
  'a PyPI token': `pypi-${'a'.repeat(50)}`,
  'a SendGrid key': `SG.${'a'.repeat(22)}.${'a'.repeat(43)}`,
  'a Twilio key': `SK${'0'.repeat(32)}`,
  'credentials in a URL': 'a://b:cccccccc@d',
};

describe("the secrets' prefilter", () => {
  it('lets the shortest match of every pattern through', () => {
    assert.deepEqual(
      PATTERNS.map((pattern) => pattern.name).sort(),
      Object.keys(shortest).sort(),
      'every pattern has its shortest match here',
    );
    for (const pattern of PATTERNS) {
      const sample = shortest[pattern.name]!;
      assert.match(sample, pattern.regex, pattern.name);
      assert.doesNotMatch(sample.slice(0, -1), pattern.regex, `${pattern.name}: the shortest`);
      assert.match(sample, MAY_HOLD_SECRET, pattern.name);
      // In a command, between spaces, as the guard sees it.
      assert.ok(findSecrets(`echo ${sample} > out.txt`).includes(pattern.name), pattern.name);
    }
  });

  it('lets the shortest assigned secret through', () => {
    const value = 'aB3dE5gH7jK9mN1p'; // 16 characters, ASSIGNED's least
    for (const text of [`password="${value}"`, `password = "${value}"`, `API_KEY: '${value}'`]) {
      assert.match(text, new RegExp(ASSIGNED.source));
      assert.match(text, MAY_HOLD_SECRET);
      const name = /^\w+/.exec(text)![0];
      assert.deepEqual(findSecrets(text), [`a literal value for ${name}`]);
    }
    assert.doesNotMatch(`password="${value.slice(1)}"`, new RegExp(ASSIGNED.source));
  });

  it('finds nothing and redacts nothing but NAME=value in a text it stops', () => {
    for (const text of ['ls -la', 'git status', 'npm test', 'TOKEN=abc npm test', 'cat .env']) {
      assert.doesNotMatch(text, MAY_HOLD_SECRET);
      assert.deepEqual(findSecrets(text), []);
    }
    assert.equal(redactSecrets('TOKEN=abc npm test'), 'TOKEN=[REDACTED] npm test');
    assert.equal(redactSecrets('git status'), 'git status');
  });
});
