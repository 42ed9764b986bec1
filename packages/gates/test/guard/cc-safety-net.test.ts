import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, projectRoot, type TempRepo } from '@factory/testkit';

/**
 * cc-safety-net's own test commands (fixtures/cc-safety-net, see its README) through our guard, in a
 * repository on a feature branch with the default config. The floors are the agreement reached; docs/guard.md
 * lists every remaining disagreement, both ways, with its reason, and this test holds that list to the
 * fixture: a disagreement that is not listed, or a listed one that is gone, fails here. (The same commands
 * through `factory hook pre-tool-use` after `factory init`: packages/cli/test/cc-safety-net-hook.test.ts.)
 */

interface Case {
  readonly command: string;
  readonly ccSafetyNet: 'deny' | 'allow';
}

const cases: Case[] = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'cc-safety-net', 'cases.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Case);

const guide = readFileSync(join(projectRoot, 'docs', 'guard.md'), 'utf8');

/** The commands listed between `<!-- cc-safety-net: NAME -->` and its closing marker in docs/guard.md. */
function documented(name: string): string[] {
  const start = guide.indexOf(`<!-- cc-safety-net: ${name} -->`);
  const end = guide.indexOf(`<!-- /cc-safety-net: ${name} -->`);
  assert.ok(start >= 0 && end > start, `docs/guard.md has no "${name}" list`);
  const commands: string[] = [];
  // Bullets: one or more code spans separated by ", ", then ": " and the reason (which may wrap).
  for (const bullet of guide.slice(start, end).split(/\n- /).slice(1)) {
    let rest = bullet.replace(/\n\s+/g, ' ');
    for (;;) {
      const span = /^``\s(.+?)\s``|^`([^`]+)`/.exec(rest);
      assert.ok(span, `a bullet that does not start with a command: ${bullet.slice(0, 60)}`);
      commands.push(span[1] ?? span[2]!);
      rest = rest.slice(span[0].length);
      if (rest.startsWith(', ')) rest = rest.slice(2);
      else {
        assert.ok(rest.startsWith(':'), `a command without its reason: ${bullet.slice(0, 60)}`);
        break;
      }
    }
  }
  return commands;
}

let repo: TempRepo;
let verdicts: Map<string, boolean>;
before(() => {
  repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
  verdicts = new Map(
    cases.map((entry) => {
      const verdict = decide(
        { tool: 'Bash', input: { command: entry.command } },
        { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig },
      );
      return [entry.command, verdict.decision !== 'allow'];
    }),
  );
});
after(() => repo.cleanup());

const refused = (command: string): boolean => verdicts.get(command)!;
const sorted = (list: readonly string[]) => [...new Set(list)].sort();

describe("cc-safety-net's test suite through the guard", () => {
  it('refuses what cc-safety-net refuses, but for the documented disagreements', () => {
    const denied = cases.filter((entry) => entry.ccSafetyNet === 'deny');
    const missed = denied.filter((entry) => !refused(entry.command)).map((entry) => entry.command);
    const agreed = denied.length - missed.length;
    assert.ok(denied.length >= 370, `${denied.length} refused cases in the fixture`);
    assert.ok(agreed >= 360, `refused ${agreed}/${denied.length}; not refused:\n${missed.join('\n')}`);
  });

  it('passes what cc-safety-net passes, but for the documented disagreements', () => {
    const allowed = cases.filter((entry) => entry.ccSafetyNet === 'allow');
    const refusedByUs = allowed.filter((entry) => refused(entry.command)).map((entry) => entry.command);
    const agreed = allowed.length - refusedByUs.length;
    assert.ok(agreed >= 194, `passed ${agreed}/${allowed.length}; refused:\n${refusedByUs.join('\n')}`);
  });

  it('docs/guard.md lists every disagreement, both ways, and no other', () => {
    const refusedByUs = cases
      .filter((entry) => entry.ccSafetyNet === 'allow' && refused(entry.command))
      .map((entry) => entry.command);
    const passedByUs = cases
      .filter((entry) => entry.ccSafetyNet === 'deny' && !refused(entry.command))
      .map((entry) => entry.command);
    assert.deepEqual(sorted(documented('refused by factory')), sorted(refusedByUs));
    assert.deepEqual(sorted(documented('passed by factory')), sorted(passedByUs));
  });

  it('docs/guard.md states the agreement measured here', () => {
    const denied = cases.filter((entry) => entry.ccSafetyNet === 'deny');
    const allowed = cases.filter((entry) => entry.ccSafetyNet === 'allow');
    const agreedDeny = denied.filter((entry) => refused(entry.command)).length;
    const agreedAllow = allowed.filter((entry) => !refused(entry.command)).length;
    const percent = (part: number, whole: number) => ((part / whole) * 100).toFixed(1);
    const stated = `**${agreedDeny} of the ${denied.length} commands cc-safety-net refuses are refused\n(${percent(agreedDeny, denied.length)}%), ${agreedAllow} of the ${allowed.length} it passes are passed (${percent(agreedAllow, allowed.length)}%)**`;
    assert.ok(
      guide.replace(/\s+/g, ' ').includes(stated.replace(/\s+/g, ' ')),
      `docs/guard.md should say: ${stated}`,
    );
  });
});
