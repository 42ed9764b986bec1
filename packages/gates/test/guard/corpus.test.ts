import assert from 'node:assert/strict';
import { readFileSync, symlinkSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadGuardConfig } from '@factory/gates/guard/config';
import { decide } from '@factory/gates/guard/engine';
import type { GuardConfig } from '@factory/gates/guard/policy';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * The guard corpus: every command and edit in must-refuse.jsonl must get its decision (deny unless the
 * entry says otherwise) from its rule; every one in must-pass.jsonl must be allowed. Zero misses, zero
 * false refusals. The entries run in a real repository on a feature branch, with a factory.config.json
 * that selects the python preset and adds two repository rules.
 */

interface Entry {
  readonly tool: string;
  readonly command?: string;
  readonly input?: Record<string, unknown>;
  readonly rule?: string;
  readonly decision?: string;
}

const corpus = join(import.meta.dirname, '..', 'fixtures', 'guard-corpus');
const load = (name: string): Entry[] =>
  readFileSync(join(corpus, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Entry);

const config = {
  guard: {
    // The expectations below name `ask` for what the guard cannot analyse: say so, since the schema's
    // default (the one validator's, for every consumer) is now `deny`.
    unanalysable: 'ask',
    presets: ['python'],
    rules: [
      {
        id: 'no-yarn',
        match: { program: 'yarn' },
        decision: 'deny',
        reason: 'this repository uses npm: npm install PACKAGE',
      },
      {
        id: 'generated-code',
        match: { path: ['src/generated/**'] },
        decision: 'deny',
        reason: 'src/generated is generated: edit the schema and run npm run codegen',
      },
    ],
  },
};

let repo: TempRepo;
let guardConfig: GuardConfig;

/** The corpus judges commands, not this machine's environment: one without secrets (see secret-environment.test.ts). */
const environment = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };

function callOf(entry: Entry): { tool: string; input: Record<string, unknown> } {
  if (entry.command !== undefined) return { tool: entry.tool, input: { command: entry.command } };
  const input: Record<string, unknown> = { ...entry.input };
  for (const key of ['file_path', 'notebook_path']) {
    const value = input[key];
    if (typeof value !== 'string') continue;
    if (value.startsWith('~/')) input[key] = join(repo.home, value.slice(2));
    else if (!isAbsolute(value)) input[key] = join(repo.dir, value);
  }
  return { tool: entry.tool, input };
}

function label(entry: Entry): string {
  return `${entry.tool} ${entry.command ?? JSON.stringify(entry.input)}`;
}

describe('guard corpus', () => {
  before(async () => {
    repo = makeTempRepo({
      branch: 'feature/corpus',
      files: {
        'src/a.ts': 'export const a = 1;\n',
        '.husky/pre-commit': 'factory gate pre-commit\n',
        '.env.example': 'API_KEY=\n',
        '.claude/settings.json': '{}\n',
        'README.md': '# corpus\n',
        'uv.lock': 'version = 1\n',
        'factory.config.json': `${JSON.stringify(config, null, 2)}\n`,
        'package.json': JSON.stringify({
          name: 'corpus',
          scripts: {
            test: 'node --test',
            build: 'tsc -p .',
            lint: 'biome check .',
            sneaky: 'git commit --no-verify -m x',
          },
        }),
        'scripts/sneaky.sh': '#!/bin/sh\ngit commit -n -m "sneaky"\n',
        'scripts/deploy.sh': '#!/bin/sh\necho deploying\n',
      },
    });
    // Links made in an earlier call: writing through them is writing the file they point to.
    symlinkSync('.husky/pre-commit', repo.path('hooklink'));
    symlinkSync('.env.local', repo.path('envlink'));
    guardConfig = (await loadGuardConfig(repo.dir)).config;
  });
  after(() => repo.cleanup());

  it('has at least 150 entries on each side and covers every built-in rule', () => {
    const refuse = load('must-refuse.jsonl');
    assert.ok(refuse.length >= 150, `${refuse.length} must-refuse entries`);
    assert.ok(load('must-pass.jsonl').length >= 150);
    const rules = new Set(refuse.map((entry) => entry.rule));
    for (const rule of [
      'no-verify',
      'skip-variables',
      'hooks-path',
      'protected-files',
      'self-exception',
      'force-push',
      'push-protected',
      'reset-hard',
      'clean-force',
      'discard-changes',
      'branch-force-delete',
      'recursive-delete',
      'secret-files',
      'secret-content',
      'network-exec',
      'unanalysable',
      'python/use-uv',
    ])
      assert.ok(rules.has(rule), `no corpus entry for ${rule}`);
  });

  it('refuses every must-refuse entry with its rule (zero misses)', () => {
    const misses: string[] = [];
    for (const entry of load('must-refuse.jsonl')) {
      const verdict = decide(callOf(entry), {
        cwd: repo.dir,
        config: guardConfig,
        home: repo.home,
        environment,
      });
      const expected = entry.decision ?? 'deny';
      const byRule = verdict.findings.some(
        (finding) => finding.rule === entry.rule && finding.decision === expected,
      );
      if (verdict.decision !== expected || !byRule)
        misses.push(
          `${label(entry)} -> ${verdict.decision} by ${verdict.rule ?? '-'} (expected ${expected} by ${entry.rule})`,
        );
    }
    assert.deepEqual(misses, []);
  });

  it('allows every must-pass entry (zero false refusals)', () => {
    const refused: string[] = [];
    for (const entry of load('must-pass.jsonl')) {
      const verdict = decide(callOf(entry), {
        cwd: repo.dir,
        config: guardConfig,
        home: repo.home,
        environment,
      });
      if (verdict.decision !== 'allow')
        refused.push(`${label(entry)} -> ${verdict.decision}: ${verdict.reason}`);
    }
    assert.deepEqual(refused, []);
  });
});
