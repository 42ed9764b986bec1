import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '@factory/testkit';

// Each package owns its tables: it creates them in its own migrations and is the only one whose source
// names them in SQL. Another package asks the owner's typed functions (e.g. a status count) instead.
const packages = ['core', 'gates', 'agent', 'fleet', 'cli'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const CREATE = /CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi;

/**
 * Table names a source text uses: in SQL position (FROM, JOIN, INTO, UPDATE, TABLE) or as a string of
 * their own ('gate_runs', passed to code that builds SQL around it).
 */
function tablesInSql(text: string, tables: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|table_info\()\s*([a-z_][a-z0-9_]*)/gi,
    // A snake_case string alone is a table name handed to SQL-building code (plain words such as 'tasks'
    // are too common in other senses to tell).
    /['"`]([a-z]+_[a-z0-9_]+)['"`]/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1]!.toLowerCase();
      if (tables.has(name)) found.add(name);
    }
  }
  return [...found];
}

describe('no SQL outside the package that owns the table', () => {
  const files = new Map(packages.map((pkg) => [pkg, sources(join(projectRoot, 'packages', pkg, 'src'))]));
  const owner = new Map<string, string>();
  for (const [pkg, list] of files) {
    for (const file of list) {
      for (const match of readFileSync(file, 'utf8').matchAll(CREATE)) {
        const table = match[1]!.toLowerCase();
        assert.ok(!owner.has(table) || owner.get(table) === pkg, `${table} is created by two packages`);
        owner.set(table, pkg);
      }
    }
  }

  it('finds the tables of every package that owns some', () => {
    assert.equal(owner.get('tasks'), 'core');
    assert.equal(owner.get('gate_runs'), 'gates');
    assert.equal(owner.get('guard_decisions'), 'gates');
    assert.equal(owner.get('memory_entries'), 'gates');
    assert.equal(owner.get('eval_runs'), 'agent');
    assert.equal(owner.get('review_decisions'), 'fleet');
    const all = new Set(owner.keys());
    assert.deepEqual(tablesInSql('SELECT * FROM gate_runs WHERE x', all), ['gate_runs']);
    assert.deepEqual(tablesInSql("countSince(store, 'guard_decisions', ['at'])", all), ['guard_decisions']);
    // The sweep's repo-state before the redesign guessed other packages' columns: it would be caught.
    assert.ok(tablesInSql("hasTable(store, 'pull_requests') ... 'gate_runs'", all).includes('gate_runs'));
  });

  it("no package's source names another package's table in SQL", () => {
    const tables = new Set(owner.keys());
    const offences: string[] = [];
    for (const [pkg, list] of files) {
      for (const file of list) {
        for (const table of tablesInSql(readFileSync(file, 'utf8'), tables)) {
          if (owner.get(table) !== pkg) {
            offences.push(`${relative(projectRoot, file)} uses ${table}, owned by ${owner.get(table)}`);
          }
        }
      }
    }
    assert.deepEqual(offences, []);
  });
});
