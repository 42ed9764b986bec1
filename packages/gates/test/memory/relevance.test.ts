import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMemory, matchPrompt, rankForSession } from '@factory/gates/memory/relevance';
import type { MemoryEntry } from '@factory/gates/state/memory';

const entry = (id: number, text: string, extra: Partial<MemoryEntry> = {}): MemoryEntry => ({
  id,
  text,
  tags: [],
  paths: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  uses: 0,
  lastUsedAt: null,
  ...extra,
});

const entries = [
  entry(1, 'Run the database migrations with npm run migrate, never by hand.', {
    tags: ['database', 'migrations'],
  }),
  entry(2, 'The payment service talks to the sandbox in tests.', { paths: ['src/payments/**'] }),
  entry(3, 'Release notes live in docs/RELEASES.md.', { tags: ['release'] }),
  entry(4, 'Generated clients under api/generated are never edited.', { uses: 12 }),
];

describe('memory relevance', () => {
  it('matches a prompt by tag, by shared words and by path, best first', () => {
    const ids = (prompt: string) => matchPrompt(entries, prompt).map((s) => s.entry.id);
    assert.deepEqual(ids('add a column to the database'), [1]);
    assert.deepEqual(ids('Prepare the RELEASE'), [3]);
    assert.deepEqual(ids('fix the bug in src/payments/charge.ts'), [2]);
    assert.deepEqual(ids('regenerate the clients under api/generated'), [4]);
    assert.deepEqual(ids('rename a variable'), []);
    assert.deepEqual(matchPrompt(entries, 'database migrations for the release')[0]?.because, [
      'tag:database',
      'tag:migrations',
      'word:database',
      'word:migrations',
    ]);
  });

  it('ranks for a session: entries about changed files first, then the most used, then general ones', () => {
    const ranked = rankForSession(entries, ['src/payments/charge.ts']).map((s) => s.entry.id);
    assert.deepEqual(ranked, [2, 4, 3, 1]);
  });

  it('stays within its budget and says how many were left out', () => {
    const many = Array.from({ length: 50 }, (_, i) => entry(i + 1, `note number ${i} ${'x'.repeat(80)}`));
    const formatted = formatMemory(rankForSession(many, []), 'Memory:', 1000);
    assert.ok(formatted.text.length <= 1000, String(formatted.text.length));
    assert.ok(formatted.omitted > 0);
    assert.match(formatted.text, new RegExp(`\\(${formatted.omitted} more in factory memory list\\)$`));
    assert.equal(formatted.included.length + formatted.omitted, 50);
  });
});
