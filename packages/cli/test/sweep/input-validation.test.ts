import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';

/** Numbers and YAML that would time everything out, run with NaN or exhaust memory: one sentence, exit 2. */
describe('factory sweep refuses bad numbers and hostile YAML before it starts', () => {
  const fleet = () => {
    const repo = makeTempRepo({ files: { 'README.md': 'x\n' } });
    const manifest = join(repo.home, 'repos.yaml');
    writeFileSync(manifest, `repositories:\n  - path: ${repo.dir}\n`);
    const env = { ...repo.env, FACTORY_HOME: join(repo.home, 'factory-home') };
    return { repo, manifest, env };
  };

  const refused = (result: { status: number; stdout: string; stderr: string }, sentence: RegExp) => {
    assert.equal(result.status, 2, result.stderr + result.stdout);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, sentence);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  };

  it('command-line numbers that are not numbers, or out of range', () => {
    const { repo, manifest, env } = fleet();
    try {
      const sweep = (...args: string[]) =>
        runFactory(['sweep', '--manifest', manifest, '--no-forges', ...args], { env });
      refused(
        sweep('--timeout', 'abc'),
        /^factory: --timeout "abc" is not a number; pass one, e\.g\. --timeout 10\./,
      );
      refused(sweep('--concurrency', 'abc'), /--concurrency "abc" is not a number/);
      refused(
        sweep('--timeout', '1e300'),
        /--timeout 1e\+300 is not a number of seconds above 0 and at most 86400/,
      );
      refused(sweep('--timeout', '0'), /--timeout 0 is not a number of seconds above 0/);
      refused(sweep('--concurrency', '0'), /--concurrency 0 is not a whole number from 1 to 64/);
      refused(
        runFactory(['task', 'list', '--limit', 'abc'], { cwd: repo.dir, env }),
        /--limit "abc" is not a number/,
      );
      refused(
        runFactory(['gate', 'history', '--limit=abc'], { cwd: repo.dir, env }),
        /--limit "abc" is not a number/,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('a manifest time limit too large to be one (1e300 s would time every repository out at once)', () => {
    const { repo, manifest, env } = fleet();
    try {
      writeFileSync(manifest, `defaults:\n  timeoutSeconds: 1e300\n${readFileSync(manifest, 'utf8')}`);
      refused(
        runFactory(['sweep', '--manifest', manifest, '--no-forges'], { env }),
        /repos\.yaml line 2: defaults\.timeoutSeconds must be <= 86400; fix the manifest there/,
      );
    } finally {
      repo.cleanup();
    }
  });

  it('a YAML alias bomb is refused in one sentence, by sweep, review and repos add', () => {
    const { repo, manifest, env } = fleet();
    try {
      // Nine levels of nine aliases each: 9^9 (387 million) strings once expanded.
      const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i <= 9; i++)
        lines.push(
          `a${i}: &a${i} [${Array(9)
            .fill(`*a${i - 1}`)
            .join(', ')}]`,
        );
      writeFileSync(manifest, `${lines.join('\n')}\nrepositories: []\n`);
      const sentence = /expands its YAML aliases more than 100 times \(a document built to exhaust memory\)/;
      refused(runFactory(['sweep', '--manifest', manifest], { env }), sentence);
      refused(runFactory(['review', '--manifest', manifest], { env }), sentence);
      refused(runFactory(['repos', 'add', repo.dir, '--manifest', manifest], { env }), sentence);
    } finally {
      repo.cleanup();
    }
  });
});
