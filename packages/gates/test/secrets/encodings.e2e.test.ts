import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gatedRepo, head } from '../helpers.js';

const KEY = `AKIA${'Z7Q2X4M8K1P9D3W5'}`;

describe('secrets in files that are not UTF-8 text', () => {
  const text = `first\nconst key = "${KEY}";\n`;
  const files: Record<string, Buffer> = {
    'utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    'data.bin': Buffer.concat([Buffer.from([0, 1, 2, 3, 0]), Buffer.from(text), Buffer.alloc(32)]),
  };
  for (const [name, bytes] of Object.entries(files)) {
    it(`a key inside ${name} is refused at commit`, () => {
      const repo = gatedRepo();
      try {
        writeFileSync(repo.path(name), bytes);
        repo.git('add', name);
        const before = head(repo);
        const result = repo.tryGit('commit', '-m', 'add');
        assert.notEqual(result.status, 0);
        assert.match(
          result.stderr,
          new RegExp(`secrets {2}${name.replace('.', '\\.')}:2: an AWS access key ID`),
        );
        assert.equal(head(repo), before);
      } finally {
        repo.cleanup();
      }
    });
  }
});
