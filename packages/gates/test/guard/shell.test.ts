import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseShell } from '@factory/gates/guard/shell/analyze';
import { ParseError, parseShell } from '@factory/gates/guard/shell/parse';

const ctx = { cwd: '/work/repo', home: '/home/me', repoRoot: '/work/repo', readFile: () => undefined };
const programs = (command: string) =>
  analyseShell(command, ctx).invocations.map((inv) =>
    [inv.program, ...inv.args.map((a) => a.value ?? `<${a.raw}>`)].join(' '),
  );

describe('shell analysis', () => {
  it('finds every program behind operators, pipelines, subshells and substitutions', () => {
    assert.deepEqual(programs('a && b || c; d | e & (f); { g; }'), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(programs('echo $(x $(y)) `z`'), ['y', 'x <$(y)>', 'z', 'echo <$(x $(y))> <`z`>']);
    assert.deepEqual(programs('cat <(p) >(q)'), ['p', 'q', 'cat <<(p)> <>(q)>']);
  });

  it('removes quoting tricks and absolute paths from program names', () => {
    for (const command of [
      'g""it status',
      "'git' status",
      '\\git status',
      '/usr/bin/git status',
      'g\\it status',
      '"g"i"t" status',
    ])
      assert.deepEqual(programs(command), ['git status'], command);
  });

  it('unwraps env, sudo, nohup, timeout, command, xargs, find -exec and nested shells, keeping the chain', () => {
    const inv = analyseShell(
      'env A=1 sudo -u x nohup timeout 5 command bash -c \'eval "git push"\'',
      ctx,
    ).invocations;
    const git = inv.find((i) => i.program === 'git');
    assert.deepEqual(git?.via, ['env', 'sudo', 'nohup', 'timeout', 'command', 'bash', 'eval']);
    assert.equal(git?.env.get('A'), '1');
    assert.deepEqual(programs('find . -exec rm {} +').slice(0, 1), ['rm {}']);
    assert.deepEqual(programs('ls | xargs -0 -n1 rm -f').at(-1), 'rm -f');
  });

  it('follows variables it can know, cd, and scripts written in the same command', () => {
    assert.deepEqual(programs('G=git; S=status; $G $S'), ['git status']);
    const cd = analyseShell('cd sub && touch x', ctx).invocations.find((i) => i.program === 'touch');
    assert.equal(cd?.cwd, '/work/repo/sub');
    assert.ok(programs("printf 'git push -f\\n' > s.sh; sh s.sh").includes('git push -f'));
    assert.ok(programs('cat > s.sh <<EOF\nrm -rf /\nEOF\nbash s.sh').includes('rm -rf /'));
  });

  it('reports what it cannot analyse instead of guessing', () => {
    for (const command of [
      '$X status',
      "$'\\x67it' status",
      'eval "$CODE"',
      'curl x | tee y | python3 -c "$(cat)"',
      "echo 'open",
    ])
      assert.notEqual(
        analyseShell(command, ctx).unanalysable.length + analyseShell(command, ctx).networkExec.length,
        0,
        command,
      );
    assert.deepEqual(analyseShell('git status', ctx).unanalysable, []);
  });

  it('parse errors are ParseErrors, and depth is bounded', () => {
    assert.throws(() => parseShell('echo "open'), ParseError);
    assert.throws(() => parseShell('a &&& b'), ParseError);
    assert.throws(() => parseShell(`${'$('.repeat(60)}x${')'.repeat(60)}`), ParseError);
  });

  it('here-documents: quoted bodies are text, unquoted ones run their substitutions', () => {
    assert.deepEqual(programs("cat <<'EOF'\n$(rm -rf /)\nEOF"), ['cat']);
    assert.ok(programs('cat <<EOF\n$(rm -rf /)\nEOF').includes('rm -rf /'));
  });
});

describe('hostile command lines cannot stall the guard (a time-out lets the tool run)', () => {
  // Each of these took seconds to minutes before the bounds; the test's own time-out is only a backstop.
  const hostile = [
    `${'$('.repeat(45)}x${')'.repeat(45)}`,
    `x${'|x'.repeat(30000)}`,
    `x${';x'.repeat(30000)}`,
    `python -c "rm -${'r'.repeat(60000)}"`,
    `bash -c "${'x;'.repeat(20000)}"`,
    'a'.repeat(200_000),
  ];
  it('each is analysed (or refused as unanalysable) without hanging', { timeout: 60_000 }, async () => {
    const { decide } = await import('@factory/gates/guard/engine');
    const { defaultGuardConfig } = await import('@factory/gates/guard/policy');
    const { findSecrets } = await import('@factory/gates/guard/secrets');
    for (const command of hostile) {
      const verdict = decide(
        { tool: 'Bash', input: { command } },
        { cwd: '/work/repo', config: defaultGuardConfig, home: '/home/me' },
      );
      assert.ok(['allow', 'ask', 'deny'].includes(verdict.decision));
    }
    for (const text of ['a.'.repeat(50000), 'sk-'.repeat(30000), 'secret'.repeat(20000), 'a-'.repeat(50000)])
      assert.ok(Array.isArray(findSecrets(text)));
  });
});
