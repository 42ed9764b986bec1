import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import {
  type CliResult,
  factoryBin,
  jsonOf,
  makeTempRepo,
  runFactory,
  type TempRepo,
} from '@factory/testkit';

/** One clear sentence on stderr, no stack trace, nothing on stdout. */
function assertOneSentence(result: CliResult, code: 1 | 2, pattern: RegExp): void {
  assert.equal(result.status, code, `exit ${result.status}: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^factory: .+\.$/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  assert.match(result.stderr, pattern);
}

/** Everything under `.factory/`: names and content hashes, to prove that a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    out[name] = createHash('sha256')
      .update(readFileSync(join(dir, name)))
      .digest('hex');
  }
  return out;
}

function withRepo(fn: (repo: TempRepo, factory: (...args: string[]) => CliResult) => void | Promise<void>) {
  return async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# test\n' } });
    try {
      await fn(repo, (...args) => runFactory(args, { cwd: repo.dir, env: repo.env }));
    } finally {
      repo.cleanup();
    }
  };
}

interface TaskJson {
  id: number;
  state: string;
  version: number;
  owner: string | null;
  key: string | null;
  workflow: string;
}

describe('factory task', () => {
  it(
    'adds, claims, moves, releases, shows and logs tasks with --json; the db is created and git-ignored',
    withRepo((repo, factory) => {
      const added = jsonOf<{ task: TaskJson; created: boolean }>(
        factory('task', 'add', 'write the parser', '--json'),
      );
      assert.equal(added.created, true);
      assert.equal(added.task.state, 'new');
      assert.ok(existsSync(repo.path('.factory', 'state.db')));
      assert.equal(repo.git('status', '--porcelain'), '');

      const pr = jsonOf<{ task: TaskJson }>(
        factory('task', 'add', 'PR 12', '--workflow', 'pull-request', '--key', 'github:o/r#12', '--json'),
      );
      const again = jsonOf<{ task: TaskJson; created: boolean }>(
        factory('task', 'add', 'PR 12', '--workflow', 'pull-request', '--key', 'github:o/r#12', '--json'),
      );
      assert.equal(again.created, false);
      assert.equal(again.task.id, pr.task.id);

      const claimed = jsonOf<TaskJson>(
        factory('task', 'claim', '--owner', 'agent-1', '--ttl', '60', '--json'),
      );
      assert.equal(claimed.id, added.task.id);
      assert.equal(claimed.owner, 'agent-1');
      const hb = jsonOf<TaskJson>(
        factory('task', 'heartbeat', String(claimed.id), '--owner', 'agent-1', '--ttl', '120', '--json'),
      );
      assert.equal(hb.owner, 'agent-1');

      const moved = jsonOf<{ task: TaskJson; transition: { from: string; to: string } }>(
        factory(
          'task',
          'move',
          '1',
          'start',
          '--owner',
          'agent-1',
          '--expect-version',
          String(claimed.version),
          '--json',
        ),
      );
      assert.deepEqual([moved.transition.from, moved.task.state], ['new', 'coding']);

      // The PR is addressed by its key.
      const prMoved = jsonOf<{ task: TaskJson }>(factory('task', 'move', 'github:o/r#12', 'check', '--json'));
      assert.equal(prMoved.task.state, 'checking');

      const released = jsonOf<TaskJson>(
        factory('task', 'release', '1', '--owner', 'agent-1', '--reason', 'lunch', '--json'),
      );
      assert.equal(released.owner, null);

      const list = jsonOf<TaskJson[]>(factory('task', 'list', '--workflow', 'ticket', '--json'));
      assert.deepEqual(
        list.map((t) => t.state),
        ['coding'],
      );
      const show = jsonOf<{
        task: TaskJson;
        allowedEvents: string[];
        log: Array<{ event: string; reason: string | null }>;
      }>(factory('task', 'show', '1', '--json'));
      assert.deepEqual(show.allowedEvents, ['test', 'block', 'abandon']);
      assert.deepEqual(
        show.log.map((e) => e.event),
        ['create', 'claim', 'start', 'release'],
      );
      assert.equal(show.log.at(-1)?.reason, 'lunch');
      const log = jsonOf<Array<{ taskId: number }>>(factory('task', 'log', '--json'));
      assert.equal(log.length, 6);

      const status = jsonOf<{ tasks: { total: number }; leases: { held: unknown[] } }>(
        factory('status', '--json'),
      );
      assert.equal(status.tasks.total, 2);
      assert.deepEqual(status.leases.held, []);
      const human = factory('status');
      assert.equal(human.status, 0);
      assert.match(human.stdout, /tasks \(2\)\n {2}pull-request\n {4}checking/);
    }),
  );

  it(
    'claim exits 1 when no task is free; heartbeat exits 1 when the lease was lost',
    withRepo((_repo, factory) => {
      assertOneSentence(
        factory('task', 'claim', '--owner', 'a', '--ttl', '60'),
        1,
        /no task is free to claim/,
      );
      factory('task', 'add', 'only one');
      assert.equal(factory('task', 'claim', '--owner', 'a', '--ttl', '60').status, 0);
      assertOneSentence(
        factory('task', 'claim', '--owner', 'b', '--ttl', '60'),
        1,
        /no task is free to claim/,
      );
      assertOneSentence(
        factory('task', 'heartbeat', '1', '--owner', 'b', '--ttl', '60'),
        1,
        /b no longer holds the lease on task 1 \(a does\)/,
      );
      assertOneSentence(
        factory('task', 'claim', '--owner', 'b', '--ttl', '60', '--task', '1'),
        1,
        /task 1 is held by a until/,
      );
      assertOneSentence(
        factory('task', 'claim', '--owner', 'b', '--ttl', '0'),
        2,
        /--ttl 0 is not a lease length/,
      );
      assertOneSentence(factory('task', 'claim', '--ttl', '10'), 2, /Missing required argument: owner/);
    }),
  );

  it(
    'an illegal move exits 1, names the allowed events and changes nothing',
    withRepo((repo, factory) => {
      factory('task', 'add', 'x');
      const before = snapshot(repo.path('.factory'));
      assertOneSentence(
        factory('task', 'move', '1', 'merge'),
        1,
        /task 1 \(workflow ticket\) is in state new, where event "merge" is not allowed; allowed events: plan, start, block, abandon\./,
      );
      assertOneSentence(
        factory('task', 'move', '1', 'start', '--expect-version', '7'),
        1,
        /at version 1, not 7/,
      );
      assert.deepEqual(snapshot(repo.path('.factory')), before);
      assert.equal(jsonOf<{ task: TaskJson }>(factory('task', 'show', '1', '--json')).task.version, 1);
    }),
  );

  it(
    'attach records a worktree with the task; recover removes it once the task ended, keeps it while dirty',
    withRepo((repo, factory) => {
      factory('task', 'add', 'feature');
      factory('task', 'claim', '--owner', 'agent', '--ttl', '60');
      repo.git('worktree', 'add', '--quiet', '-b', 'feature', '../feature');
      const attached = jsonOf<{ kind: string; value: string }>(
        factory('task', 'attach', '1', 'worktree', '../feature', '--json'),
      );
      assert.equal(attached.value, join(repo.dir, '..', 'feature'));
      factory('task', 'move', '1', 'abandon', '--owner', 'agent');
      writeFileSync(join(repo.dir, '..', 'feature', 'draft.txt'), 'draft\n');
      const kept = jsonOf<{ resources: Array<{ action: string; outcome: string }> }>(
        factory('task', 'recover', '--json'),
      );
      assert.deepEqual(
        kept.resources.map((r) => r.action),
        ['kept'],
      );
      assert.match(kept.resources[0]!.outcome, /uncommitted work/);
      assert.ok(existsSync(join(repo.dir, '..', 'feature', 'draft.txt')));
      repo.git('-C', join(repo.dir, '..', 'feature'), 'clean', '-fq');
      const human = factory('task', 'recover');
      assert.match(human.stdout, /#1 worktree .*feature: released, worktree removed/);
      assert.equal(existsSync(join(repo.dir, '..', 'feature')), false);
    }),
  );

  it(
    'workflows prints the workflows, as text, JSON or mermaid',
    withRepo((_repo, factory) => {
      const text = factory('task', 'workflows');
      assert.equal(text.status, 0);
      assert.match(text.stdout, /^ticket: /m);
      assert.match(text.stdout, /^pull-request: /m);
      const all = jsonOf<Array<{ name: string }>>(factory('task', 'workflows', '--json'));
      assert.deepEqual(
        all.map((w) => w.name),
        ['ticket', 'pull-request', 'work'],
      );
      const mermaid = factory('task', 'workflows', '--mermaid', '--workflow', 'ticket');
      assert.match(mermaid.stdout, /^%% workflow ticket\nstateDiagram-v2\n/);
      assert.match(mermaid.stdout, /coding --> testing: test/);
    }),
  );
});

describe('factory task: workflows from the repository config', () => {
  const release = {
    states: ['frozen', 'testing', 'published', 'cancelled'],
    initial: 'frozen',
    terminal: ['published', 'cancelled'],
    failState: 'frozen',
    transitions: [
      { event: 'test', from: 'frozen', to: 'testing' },
      { event: 'publish', from: 'testing', to: 'published' },
      { event: 'cancel', from: '*', to: 'cancelled' },
    ],
  };

  it(
    'a custom workflow of factory.config.json is listed and usable',
    withRepo((repo, factory) => {
      repo.write('factory.config.json', JSON.stringify({ workflows: { release } }));
      assert.deepEqual(
        jsonOf<Array<{ name: string }>>(factory('task', 'workflows', '--json')).map((w) => w.name),
        ['ticket', 'pull-request', 'work', 'release'],
      );
      factory('task', 'add', 'v1.2', '--workflow', 'release');
      assertOneSentence(
        factory('task', 'move', '1', 'publish'),
        1,
        /task 1 \(workflow release\) is in state frozen, where event "publish" is not allowed; allowed events: test, cancel\./,
      );
      assert.equal(
        jsonOf<{ task: TaskJson }>(factory('task', 'move', '1', 'test', '--json')).task.state,
        'testing',
      );
    }),
  );

  it(
    'an invalid workflow in the config is one sentence naming the file, the path and what was expected (exit 2)',
    withRepo((repo, factory) => {
      repo.write(
        'factory.config.json',
        JSON.stringify({
          workflows: {
            release: { ...release, transitions: [{ event: 'test', from: 'frozen', to: 'tested' }] },
          },
        }),
      );
      assertOneSentence(
        factory('task', 'list'),
        2,
        /the workflows in .*factory\.config\.json are invalid: workflows\.release\.transitions\[0\]\.to: "tested" is not one of the states \(frozen, testing, published, cancelled\)/,
      );
      repo.write(
        'factory.config.json',
        JSON.stringify({ workflows: { release: { ...release, states: 'frozen' } } }),
      );
      const shape = factory('task', 'list');
      assertOneSentence(shape, 2, /factory\.config\.json/);
      assert.match(shape.stderr, /workflows\.release\.states/);
      assert.equal(existsSync(repo.path('.factory')), false);
    }),
  );
});

describe('factory task: bad input gets one sentence, the right exit code, and changes nothing', () => {
  it(
    'an unknown workflow (exit 2, no database created)',
    withRepo((repo, factory) => {
      assertOneSentence(
        factory('task', 'add', 'x', '--workflow', 'nope'),
        2,
        /no workflow named "nope"; use one of ticket, pull-request/,
      );
      assert.equal(existsSync(repo.path('.factory')), false);
    }),
  );

  it(
    'an unknown task (exit 2), by number or by key',
    withRepo((repo, factory) => {
      factory('task', 'add', 'x');
      const before = snapshot(repo.path('.factory'));
      assertOneSentence(factory('task', 'show', '42'), 2, /there is no task 42/);
      assertOneSentence(factory('task', 'move', '42', 'start'), 2, /there is no task 42/);
      assertOneSentence(
        factory('task', 'move', 'github:o/r#9', 'start'),
        2,
        /there is no task "github:o\/r#9"/,
      );
      assert.deepEqual(snapshot(repo.path('.factory')), before);
    }),
  );

  it(
    'a state.db that is not a database (exit 2, the file is left as it was)',
    withRepo((repo, factory) => {
      repo.write('.factory/state.db', 'this is not sqlite, it is a text file of some length\n'.repeat(100));
      const before = snapshot(repo.path('.factory'));
      assertOneSentence(
        factory('task', 'list'),
        2,
        /state\.db is not a factory state database .* move it aside/,
      );
      assertOneSentence(factory('status'), 2, /is not a factory state database/);
      assert.deepEqual(snapshot(repo.path('.factory')), before);
    }),
  );

  it(
    'a database written by a newer factory (exit 2, byte for byte untouched)',
    withRepo((repo, factory) => {
      factory('task', 'add', 'x');
      const db = new DatabaseSync(repo.path('.factory', 'state.db'));
      db.exec('PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;');
      db.close();
      const before = snapshot(repo.path('.factory'));
      assertOneSentence(
        factory('task', 'add', 'y'),
        2,
        /written by a newer factory \(schema 99, this one knows up to \d+\); upgrade factory/,
      );
      assert.deepEqual(snapshot(repo.path('.factory')), before);
    }),
  );

  it(
    'a database locked past the busy timeout by another process (exit 2, nothing written)',
    withRepo(async (repo, factory) => {
      factory('task', 'add', 'x');
      // Another process takes the write lock and keeps it.
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const { DatabaseSync } = require('node:sqlite');
           const db = new DatabaseSync(process.argv[1]);
           db.exec('BEGIN IMMEDIATE');
           db.exec("UPDATE tasks SET title = 'held' WHERE id = 1");
           process.stdout.write('locked\\n');
           setTimeout(() => {}, 60000);`,
          repo.path('.factory', 'state.db'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      try {
        await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
        const started = Date.now();
        const result = runFactory(['task', 'add', 'y'], {
          cwd: repo.dir,
          env: { ...repo.env, FACTORY_BUSY_TIMEOUT_MS: '300' },
        });
        assertOneSentence(
          result,
          2,
          /state\.db is locked by another process for more than 300 ms; wait for it to finish/,
        );
        assert.ok(Date.now() - started >= 300, 'gave up before the busy timeout');
      } finally {
        holder.kill('SIGKILL');
        await new Promise((resolve) => holder.once('exit', resolve));
      }
      const tasks = jsonOf<Array<{ title: string }>>(factory('task', 'list', '--json'));
      assert.deepEqual(
        tasks.map((t) => t.title),
        ['x'],
      );
    }),
  );

  it('a read-only state folder (exit 2, nothing changed)', async (t) => {
    // root ignores file modes, so as root the command runs as nobody (uid 65534), which needs to reach
    // node and the built bin: not so when node is installed under a private home (e.g. /root/.nvm).
    if (process.getuid?.() === 0) {
      const probe = spawnSync(process.execPath, [factoryBin, '--version'], { uid: 65534, gid: 65534 });
      if (probe.status !== 0) {
        t.skip(`as root, and user nobody cannot run ${process.execPath} ${factoryBin}`);
        return;
      }
    }
    await readOnlyStateFolder();
  });

  const readOnlyStateFolder = withRepo((repo, factory) => {
    factory('task', 'add', 'x');
    const dir = repo.path('.factory');
    const before = snapshot(dir);
    // root ignores file modes, so as root the command runs as nobody (uid 65534) instead.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // nobody must be able to reach the repository: the temp folder is private to root by default.
      chmodSync(join(repo.dir, '..'), 0o755);
      chmodSync(repo.dir, 0o755);
    }
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444);
    chmodSync(dir, 0o555);
    try {
      const result = spawnSync(process.execPath, [factoryBin, 'task', 'add', 'y'], {
        cwd: repo.dir,
        env: { ...repo.env, HOME: repo.home },
        encoding: 'utf8',
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      assertOneSentence(
        { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
        2,
        /state\.db cannot be (written|opened)|cannot open the state database .*state\.db|read-only/,
      );
    } finally {
      chmodSync(dir, 0o755);
      for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644);
    }
    assert.deepEqual(snapshot(dir), before);
  });

  it(
    'a repository whose state folder cannot be created (exit 2)',
    withRepo((repo, factory) => {
      // A file where the folder should be: refused for every user, root included.
      writeFileSync(repo.path('.factory'), 'not a folder\n');
      assertOneSentence(factory('task', 'add', 'x'), 2, /cannot create the state folder .*\.factory/);
      assert.equal(readFileSync(repo.path('.factory'), 'utf8'), 'not a folder\n');
    }),
  );
});
