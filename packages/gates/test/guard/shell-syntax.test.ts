import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decide } from '@factory/gates/guard/engine';
import { defaultGuardConfig } from '@factory/gates/guard/policy';
import { claudeCodeShells, shellRunsNothing } from '@factory/gates/guard/shell/shell-syntax';
import { makeTempRepo, type TempRepo } from '@factory/testkit';

/**
 * A command our parser cannot parse passes only when every shell Claude Code could run it with refuses it
 * as a syntax error and it is one line, so that none of it runs (shell-syntax.ts). Proved against the real
 * shells, run the way Claude Code 2.1.330 runs a Bash call (`SHELL -c "eval '<command>' < /dev/null"`):
 * what the rule lets through creates nothing, and what it refuses would have run a first line.
 */

const shells = (['/bin/bash', '/usr/bin/zsh', '/bin/zsh'] as const).filter((path) => existsSync(path));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), SHELL: '/bin/bash' };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'factory-shell-syntax-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `command` as Claude Code does, in a fresh folder; true when it created the file `ran`. */
function runsSomething(shell: string, command: string): boolean {
  const cwd = mkdtempSync(join(dir, 'run-'));
  const quoted = `'${command.replaceAll("'", `'"'"'`)}'`;
  spawnSync(shell, ['-c', `eval ${quoted} < /dev/null && pwd -P >| cwd-file`], { cwd, env, stdio: 'ignore' });
  return existsSync(join(cwd, 'ran'));
}

/** One line, a syntax error somewhere after a command that would create `ran`. */
const runsNothing = [
  "touch ran; echo 'oops",
  'touch ran && echo "oops',
  "touch ran & echo 'oops",
  "touch ran | cat; echo 'oops",
  "echo $(touch ran) 'oops",
  "echo `touch ran` 'oops",
  'touch ran; )',
  'touch ran; fi',
  'touch ran ;& echo',
  "cat <<EOF; touch ran; echo 'oops",
  "f() { touch ran; }; f; echo 'oops",
  "eval 'touch ran'; echo \"oops",
  '&& touch ran',
];

/** A syntax error on a later line: bash runs the lines before it. */
const firstLineRuns = [
  "touch ran\necho 'oops",
  'touch ran\n)',
  "touch ran\n\necho 'oops",
  "touch ran <<EOF\nbody\nEOF\necho 'oops",
];

describe('the shell as the judge of a command our parser cannot parse', () => {
  it('passes single-line syntax errors, and Claude Code would run none of them', () => {
    for (const command of runsNothing) {
      const verdict = shellRunsNothing(command, env);
      assert.ok(verdict.runsNothing, `${JSON.stringify(command)}: ${'why' in verdict ? verdict.why : ''}`);
      for (const shell of shells) assert.equal(runsSomething(shell, command), false, `${shell}: ${command}`);
    }
  });

  it('refuses a syntax error after a line break, where bash runs the first line', () => {
    for (const command of firstLineRuns) {
      const verdict = shellRunsNothing(command, env);
      assert.equal(verdict.runsNothing, false, JSON.stringify(command));
      assert.match('why' in verdict ? verdict.why : '', /more than one line/);
      assert.equal(
        runsSomething('/bin/bash', command),
        true,
        `bash ran nothing of ${JSON.stringify(command)}`,
      );
    }
  });

  it('refuses every other kind of line break and NUL (Claude Code might turn a CR into a newline)', () => {
    for (const brk of ['\r', '\v', '\f', '\u0085', '\u2028', '\u2029', '\0']) {
      const verdict = shellRunsNothing(`touch ran${brk}echo 'oops`, env);
      assert.equal(verdict.runsNothing, false, JSON.stringify(brk));
    }
  });

  it('refuses what bash parses although our parser does not (coproc)', () => {
    const verdict = shellRunsNothing('coproc touch ran', env);
    assert.equal(verdict.runsNothing, false);
    assert.equal(runsSomething('/bin/bash', 'coproc touch ran; wait'), true);
  });

  it('asks zsh too when it is installed: a zsh-only loop is refused', {
    skip: !existsSync('/usr/bin/zsh'),
  }, () => {
    const command = 'for i (1) touch ran';
    assert.equal(spawnSync('/bin/bash', ['-n', '-c', '--', command]).status, 2, 'bash: a syntax error');
    assert.equal(runsSomething('/usr/bin/zsh', command), true, 'zsh runs it');
    const verdict = shellRunsNothing(command, env);
    assert.equal(verdict.runsNothing, false);
    assert.match('why' in verdict ? verdict.why : '', /zsh parses it/);
  });

  it('asks every shell Claude Code could pick, and trusts none that answers oddly', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const fake = (name: string, body: string) => {
      mkdirSync(join(bin, name.split('/')[0]!), { recursive: true });
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    fake('accepting/zsh', 'exit 0');
    fake('wrong-status/zsh', 'echo "zsh: parse error" >&2; exit 2');
    fake('slow/bash', 'exec sleep 30');
    fake('bash-tools/fish', 'exit 2');
    const onPath = (sub: string) => ({ ...env, PATH: `${join(bin, sub)}:${env.PATH}` });
    const whyOf = (verdict: ReturnType<typeof shellRunsNothing>) => ('why' in verdict ? verdict.why : '');
    assert.match(whyOf(shellRunsNothing("echo 'oops", onPath('accepting'))), /accepting\/zsh parses it/);
    assert.match(whyOf(shellRunsNothing("echo 'oops", onPath('wrong-status'))), /without a syntax error/);
    assert.match(whyOf(shellRunsNothing("echo 'oops", onPath('slow'))), /could not check it/);
    assert.match(
      whyOf(shellRunsNothing("echo 'oops", { ...env, SHELL: 'bash' })),
      /not named by an absolute/,
    );
    assert.match(
      whyOf(shellRunsNothing("echo 'oops", { ...env, SHELL: join(bin, 'bash-tools', 'fish') })),
      /neither bash nor zsh/,
    );
    const found = claudeCodeShells({ ...env, CLAUDE_CODE_SHELL: join(bin, 'accepting', 'zsh') });
    assert.ok('shells' in found && found.shells[0] === join(bin, 'accepting', 'zsh'));
  });

  it('does not run BASH_ENV or the shells startup files', () => {
    const marker = join(dir, 'startup-ran');
    const script = join(dir, 'startup.sh');
    writeFileSync(script, `touch ${marker}\n`);
    const zdot = mkdtempSync(join(dir, 'zdot-'));
    writeFileSync(join(zdot, '.zshenv'), `touch ${marker}\n`);
    const verdict = shellRunsNothing("echo 'oops", { ...env, BASH_ENV: script, ENV: script, ZDOTDIR: zdot });
    assert.ok(verdict.runsNothing);
    assert.equal(existsSync(marker), false);
  });
});

describe('decisions on a command that does not parse', () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo({ branch: 'feature/x', files: { 'README.md': '# x\n' } });
  });
  after(() => repo.cleanup());
  const decideBash = (command: string) =>
    decide(
      { tool: 'Bash', input: { command } },
      { cwd: repo.dir, home: repo.home, repoRoot: repo.dir, config: defaultGuardConfig, env },
    );

  it('passes a harmless one with a note: the shell reports the error to the model', () => {
    const verdict = decideBash("echo 'unterminated");
    assert.equal(verdict.decision, 'allow');
    assert.match(verdict.note ?? '', /runs none of it .*unexpected EOF/);
  });

  it('refuses one meant to do what a rule refuses, with that rule and the syntax error', () => {
    for (const [command, rule] of [
      ["git reset --hard 'oops", 'reset-hard'],
      ['&& git reset --hard', 'reset-hard'],
      ["rm -rf ~ 'oops", 'recursive-delete'],
    ] as const) {
      const verdict = decideBash(command);
      assert.equal(verdict.decision, 'deny', command);
      assert.equal(verdict.rule, rule, command);
      assert.match(verdict.reason ?? '', /does not parse and would run nothing/);
    }
  });

  it('refuses as before what the shell would run some of, or cannot be asked about', () => {
    for (const command of [
      "touch ran\necho 'oops",
      'coproc rm -rf ~',
      "echo 'oops\0",
      `echo '${'a'.repeat(70 * 1024)}`,
    ]) {
      const verdict = decideBash(command);
      assert.equal(verdict.decision, 'deny', JSON.stringify(command.slice(0, 40)));
      assert.equal(verdict.note, undefined);
    }
    const noShell = decide(
      { tool: 'Bash', input: { command: "echo 'oops" } },
      {
        cwd: repo.dir,
        home: repo.home,
        repoRoot: repo.dir,
        config: defaultGuardConfig,
        env: { ...env, SHELL: 'bash' },
      },
    );
    assert.equal(noShell.decision, 'deny');
    assert.equal(noShell.rule, 'unanalysable');
  });
});
