#!/usr/bin/env node
// npm run demo: the main job in a throw-away repository. Creates a temporary git repository, runs
// `factory init` in it, then shows a gate refusing a commit that adds a secret and passing a clean one.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const scratch = mkdtempSync(join(tmpdir(), 'factory-demo-'));
const repo = join(scratch, 'repo');
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@factory.invalid',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@factory.invalid',
};
const say = (text) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const show = (cmd, args, opts = {}) => {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: repo, env, encoding: 'utf8', ...opts });
  process.stdout.write(r.stdout ?? '');
  process.stdout.write(r.stderr ?? '');
  console.log(`(exit ${r.status})`);
  return r;
};

let ok = false;
try {
  execFileSync('git', ['init', '--quiet', '--initial-branch', 'main', repo], { env });
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  execFileSync('git', ['commit', '--quiet', '-m', 'initial'], { cwd: repo, env });

  say(`a throw-away repository: ${repo}`);
  say('install the factory');
  const init = show(process.execPath, [bin, 'init', '--yes']);
  if (init.status !== 0) throw new Error('factory init failed');

  say('an agent tries to commit a secret');
  writeFileSync(join(repo, 'config.js'), `export const key = "AKIA${'Z7Q2X4M8K1P9D3W5'}";\n`);
  show('git', ['add', 'config.js']);
  const bad = show('git', ['commit', '-m', 'add config']);
  if (bad.status === 0) throw new Error('the secret commit was not refused');

  say('the fixed change passes the gate');
  writeFileSync(join(repo, 'config.js'), 'export const key = process.env.AWS_ACCESS_KEY_ID;\n');
  show('git', ['add', 'config.js']);
  const good = show('git', ['commit', '-m', 'read the key from the environment']);
  if (good.status !== 0) throw new Error('the clean commit was refused');

  say('what the gates recorded');
  show(process.execPath, [bin, 'gate', 'history']);
  ok = true;
} catch (error) {
  console.error(`demo: ${error.message}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
