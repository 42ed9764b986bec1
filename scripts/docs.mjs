#!/usr/bin/env node
// npm run docs: writes every generated reference in docs/. `--check` writes nothing and exits 1 when a
// file differs from what the code renders (the drift tests do the same check).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generators } from './docs/index.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let drifted = 0;
for (const generator of generators) {
  const path = join(root, generator.file);
  const rendered = await generator.render();
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {}
  if (current === rendered) continue;
  if (check) {
    console.error(`docs: ${generator.file} is out of date; run npm run docs.`);
    drifted++;
  } else {
    writeFileSync(`${path}.tmp`, rendered);
    renameSync(`${path}.tmp`, path);
    console.log(`docs: wrote ${generator.file}`);
  }
}
process.exitCode = drifted ? 1 : 0;
