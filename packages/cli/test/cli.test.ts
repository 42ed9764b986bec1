import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';

const contract = [
  'init',
  'doctor',
  'gate',
  'hook',
  'guard',
  'task',
  'status',
  'memory',
  'skills',
  'eval',
  'repos',
  'sweep',
  'review',
];

describe('factory CLI skeleton', () => {
  it('--help lists every command of the contract', () => {
    const result = runFactory(['--help']);
    assert.equal(result.status, 0);
    for (const name of contract)
      assert.match(result.stdout, new RegExp(`factory ${name}\\b`), `missing ${name}`);
  });

  it('--version prints the package version', () => {
    const result = runFactory(['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('an unknown command is a usage error: one sentence on stderr, exit 2, nothing on stdout', () => {
    const result = runFactory(['frobnicate']);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('a missing subcommand is a usage error with exit 2', () => {
    const result = runFactory(['task']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /factory --help/);
  });
});

describe('factory hook fast path', () => {
  it('blocks a pre-tool-use call whose stdin is not JSON, in Claude Code format', () => {
    const repo = makeTempRepo();
    try {
      const result = runFactory(['hook', 'pre-tool-use'], { cwd: repo.dir, input: 'not json' });
      assert.equal(result.status, 0);
      const answer = JSON.parse(result.stdout);
      assert.equal(answer.hookSpecificOutput.permissionDecision, 'deny');
      assert.match(answer.hookSpecificOutput.permissionDecisionReason, /not valid JSON/);
    } finally {
      repo.cleanup();
    }
  });

  it('blocks an unknown hook event with exit 2', () => {
    const result = runFactory(['hook', 'no-such-event'], { input: '{}' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown hook event/);
  });
});

describe('factory output into a closed pipe', () => {
  it('ends quietly when the reader is gone before it writes (factory task workflows | true)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { factoryBin } = await import('@factory/testkit');
    // `true` exits without reading, so every write of factory meets a closed pipe.
    const script = `set -o pipefail; "${process.execPath}" "${factoryBin}" task workflows --mermaid | true`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|Error/);
  });
});

describe('factory under a Node.js that is too old', () => {
  // The machines here ship Node 20 as the system node; elsewhere there may be none to try.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    const [major = 99, minor = 99] = version.replace(/^v/, '').split('.').map(Number);
    return version !== '' && (major < 22 || (major === 22 && minor < 22));
  });

  it('says so in one sentence with exit 2, and the hook refuses', {
    skip: oldNode ? false : 'no old Node.js here',
  }, async () => {
    const { spawnSync } = await import('node:child_process');
    const { factoryBin } = await import('@factory/testkit');
    for (const args of [['--version'], ['hook', 'pre-tool-use']]) {
      const result = spawnSync(oldNode!, [factoryBin, ...args], { encoding: 'utf8', input: '{}' });
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^factory: this is Node\.js v\d+.*needs Node\.js 22\.22 or newer.*\n$/);
    }
  });

  it('the README commands run on it: scripts/with-node.mjs provisions Node 24 and runs on that', {
    skip: oldNode ? false : 'no old Node.js here',
  }, async () => {
    const { spawnSync } = await import('node:child_process');
    const { projectRoot } = await import('@factory/testkit');
    const script = 'process.stdout.write(process.version + " " + process.env.PATH.split(":")[0])';
    // From npm's cache or the registry when .toolchain/ is empty (CI's .ci/run provisions it first).
    const result = spawnSync(oldNode!, ['scripts/with-node.mjs', '-e', script], {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const [version, firstOnPath] = result.stdout.split(' ');
    assert.match(version ?? '', /^v24\./);
    assert.match(firstOnPath ?? '', /\.toolchain\/node-24[^/]*\/node_modules\/node\/bin$/);
    assert.match(result.stderr, /is too old for factory; using the provisioned/);
    // A new enough node runs the script itself.
    const current = spawnSync(
      process.execPath,
      ['scripts/with-node.mjs', '-e', 'process.stdout.write(process.execPath)'],
      {
        cwd: projectRoot,
        encoding: 'utf8',
      },
    );
    assert.equal(current.stdout, process.execPath);
  });
});
