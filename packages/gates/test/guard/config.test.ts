import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfigData } from '@factory/core/config/validate';
import { loadGuardConfig, validateGuardSection } from '@factory/gates/guard/config';
import { makeTempRepo } from '@factory/testkit';

/**
 * The hook reads the guard section with its own converter (the full precompiled validator is too heavy for
 * every tool call); the schema fragment is the source of truth. These samples hold the two together: both
 * accept, or both refuse.
 */
const samples: Array<[string, unknown]> = [
  ['empty', {}],
  [
    'all keys',
    {
      unanalysable: 'deny',
      onError: 'allow',
      audit: 'all',
      protectedBranches: ['main', 'release/*'],
      presets: ['python'],
    },
  ],
  ['a disable with reason', { disable: [{ rule: 'push-protected', reason: 'solo repository' }] }],
  [
    'a tool-choice rule',
    {
      rules: [
        {
          id: 'use-uv',
          match: { program: ['pip', 'pip3'], args: ['install'] },
          when: { exists: ['uv.lock'] },
          decision: 'deny',
          reason: 'use uv add',
        },
      ],
    },
  ],
  [
    'a path rule',
    {
      rules: [
        {
          id: 'generated',
          tools: ['Edit', 'Write'],
          match: { path: ['src/gen/**'] },
          decision: 'ask',
          reason: 'generated code',
        },
      ],
    },
  ],
  ['unknown key', { unanalysable: 'ask', strict: true }],
  ['bad decision', { unanalysable: 'maybe' }],
  ['bad onError', { onError: 'ask' }],
  ['bad audit', { audit: 'none' }],
  ['protectedBranches not an array', { protectedBranches: 'main' }],
  ['empty branch name', { protectedBranches: [''] }],
  ['unknown preset', { presets: ['rust'] }],
  ['disable without reason', { disable: [{ rule: 'no-verify' }] }],
  ['disable with a short reason', { disable: [{ rule: 'no-verify', reason: 'x' }] }],
  ['rule without reason', { rules: [{ id: 'x', match: { program: 'pip' }, decision: 'deny' }] }],
  ['rule with an empty match', { rules: [{ id: 'x', match: {}, decision: 'deny', reason: 'why not' }] }],
  [
    'rule with an unknown match key',
    { rules: [{ id: 'x', match: { binary: 'pip' }, decision: 'deny', reason: 'why not' }] },
  ],
  [
    'rule with an uppercase id',
    { rules: [{ id: 'Use-UV', match: { program: 'pip' }, decision: 'deny', reason: 'why not' }] },
  ],
  [
    'rule with a bad decision',
    { rules: [{ id: 'x', match: { program: 'pip' }, decision: 'block', reason: 'why not' }] },
  ],
  [
    'rule with empty tools',
    { rules: [{ id: 'x', tools: [], match: { program: 'pip' }, decision: 'deny', reason: 'why not' }] },
  ],
  ['not an object', 'strict'],
  ['a vouched program', { programs: [{ name: 'mytool', reason: 'our deploy CLI' }] }],
  ['a vouched program without reason', { programs: [{ name: 'mytool' }] }],
  ['a vouched program by path', { programs: [{ name: './bin/mytool', reason: 'our deploy CLI' }] }],
  ['programs as names only', { programs: ['mytool'] }],
];

function schemaAccepts(section: unknown): boolean {
  try {
    validateConfigData({ guard: structuredClone(section) }, 'sample');
    return true;
  } catch {
    return false;
  }
}

function converterAccepts(section: unknown): boolean {
  try {
    validateGuardSection(section);
    return true;
  } catch {
    return false;
  }
}

describe('guard config', () => {
  for (const [name, section] of samples) {
    it(`schema and converter agree: ${name}`, () => {
      assert.equal(converterAccepts(section), schemaAccepts(section));
    });
  }

  it('the converter refuses what a schema cannot check: a regular expression that does not compile', () => {
    const section = {
      rules: [{ id: 'x', match: { command: '(unclosed' }, decision: 'deny', reason: 'why not' }],
    };
    assert.equal(schemaAccepts(section), true);
    assert.throws(
      () => validateGuardSection(section),
      /guard\.rules\[0\]\.match\.command must be a valid regular expression/,
    );
  });

  it('reads package.json#factory, .factoryrc.json and extends presets; YAML goes through the full loader', async () => {
    const repo = makeTempRepo();
    try {
      repo.write(
        'package.json',
        JSON.stringify({ name: 'x', factory: { extends: 'python', guard: { audit: 'all' } } }),
      );
      let loaded = await loadGuardConfig(repo.dir);
      assert.equal(loaded.config.audit, 'all');
      // A guard section that does not name unanalysable gets the schema's default, deny (fail closed).
      assert.equal(loaded.config.unanalysable, 'deny');
      assert.deepEqual(loaded.config.presets, ['python']);
      repo.write('package.json', JSON.stringify({ name: 'x' }));
      repo.write('.factoryrc.json', JSON.stringify({ guard: { protectedBranches: ['trunk'] } }));
      loaded = await loadGuardConfig(repo.path('.'));
      assert.deepEqual(loaded.config.protectedBranches, ['trunk']);
      repo.write('factory.config.yaml', 'extends: typescript\nguard:\n  unanalysable: deny\n');
      // .factoryrc.json comes first in core's search order; remove it to reach the YAML file.
      const { rmSync } = await import('node:fs');
      rmSync(repo.path('.factoryrc.json'));
      loaded = await loadGuardConfig(repo.dir);
      assert.equal(loaded.config.unanalysable, 'deny');
      assert.deepEqual(loaded.config.presets, ['typescript']);
    } finally {
      repo.cleanup();
    }
  });

  it('keeps the validated section while the config is unchanged, also against a rewrite that restores size and mtime', async () => {
    const repo = makeTempRepo();
    try {
      const { mkdirSync, statSync, utimesSync } = await import('node:fs');
      mkdirSync(repo.path('.factory'));
      repo.write('factory.config.json', JSON.stringify({ guard: { protectedBranches: ['aaaa'] } }));
      utimesSync(repo.path('factory.config.json'), 1_700_000_000, 1_700_000_000);
      assert.deepEqual((await loadGuardConfig(repo.dir)).config.protectedBranches, ['aaaa']);
      const before = statSync(repo.path('factory.config.json'));
      // The same length, the old mtime put back: only the ctime (and the content) tell the change.
      repo.write('factory.config.json', JSON.stringify({ guard: { protectedBranches: ['bbbb'] } }));
      utimesSync(repo.path('factory.config.json'), 1_700_000_000, 1_700_000_000);
      assert.equal(statSync(repo.path('factory.config.json')).mtimeMs, before.mtimeMs);
      assert.equal(statSync(repo.path('factory.config.json')).size, before.size);
      assert.deepEqual((await loadGuardConfig(repo.dir)).config.protectedBranches, ['bbbb']);
    } finally {
      repo.cleanup();
    }
  });
});
