import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * The fail-closed guard, class by class (issue #11): every hostile call in fixtures/guard-hostile is
 * refused, grouped by the class of bypass it stands for, and every everyday call passes. They run in a
 * repository on a feature branch with the default config (unanalysable: deny).
 */

interface Entry {
  readonly class?: string;
  readonly tool: string;
  readonly command: string;
}

const load = (name: string): Entry[] =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'guard-hostile', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);

let repo: TempRepo;
before(() => {
  repo = makeTempRepo({
    branch: 'feature/x',
    files: {
      'README.md': '# x\n',
      'src/a.ts': 'export const a = 1;\n',
      '.husky/pre-commit': 'factory gate pre-commit\n',
      'package.json': '{"name": "x", "scripts": {"test": "node --test", "build": "tsc"}}\n',
      'evil.sh': 'git reset --hard\n',
    },
  });
});
after(() => repo.cleanup());

function verdictOf(entry: Entry) {
  return decide(
    { tool: entry.tool, input: { command: entry.command } },
    { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
  );
}

const hostile = load('hostile.jsonl');
const classes = [...new Set(hostile.map((entry) => entry.class!))];

describe('the guard refuses what it does not fully understand', () => {
  for (const name of classes) {
    it(`refuses every call of the class: ${name}`, () => {
      const missed = hostile
        .filter((entry) => entry.class === name)
        .filter((entry) => verdictOf(entry).decision !== 'deny')
        .map((entry) => entry.command);
      assert.deepEqual(missed, []);
    });
  }

  it('tells the model how to write the command plainly', () => {
    const verdict = verdictOf({ tool: 'Bash', command: 'unknownprog --do-things' });
    assert.equal(verdict.decision, 'deny');
    assert.match(verdict.reason ?? '', /does not know what unknownprog does/);
    assert.match(verdict.reason ?? '', /Instead: Write the command plainly/);
  });
});

describe('no false refusals on everyday work', () => {
  it('passes every everyday call (Bash and PowerShell)', () => {
    const refused = load('everyday.jsonl')
      .map((entry) => ({ entry, verdict: verdictOf(entry) }))
      .filter(({ verdict }) => verdict.decision !== 'allow')
      .map(({ entry, verdict }) => `${entry.tool} ${entry.command} -> ${verdict.reason}`);
    assert.deepEqual(refused, []);
  });

  it('passes a Write of documentation with AWS published example key', () => {
    const verdict = decide(
      {
        tool: 'Write',
        input: {
          file_path: join(repo.dir, 'docs/aws.md'),
          content: 'AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
        },
      },
      { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
    );
    assert.equal(verdict.decision, 'allow');
  });
});
