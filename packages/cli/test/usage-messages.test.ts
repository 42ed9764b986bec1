import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { makeTempRepo, runFactory } from '@factory/testkit';

/** One sentence on stderr, nothing on stdout, no stack trace, the exit code given. */
function oneSentence(
  result: { status: number; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
) {
  assert.equal(result.status, code, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /\bat .*:\d+:\d+/);
  assert.match(result.stderr, pattern);
}

describe('usage messages say what is wrong and how to fix it', () => {
  const repo = makeTempRepo({ files: { 'README.md': '# x\n' } });
  const factory = (...args: string[]) => runFactory(args, { cwd: repo.dir, env: repo.env });
  after(() => repo.cleanup());

  it('an unknown command is named, with the suggestion', () => {
    oneSentence(factory('int'), 2, /there is no command "int"; did you mean factory init\?/);
  });

  it('number options are validated', () => {
    oneSentence(factory('gate', 'history', '--limit', 'abc'), 2, /--limit "abc" is not a number/);
    oneSentence(factory('task', 'log', '--limit=x'), 2, /--limit "x" is not a number/);
    oneSentence(factory('sweep', '--timeout', 'abc'), 2, /--timeout "abc" is not a number/);
  });

  it('guard explain without -- says to put the command after --', () => {
    oneSentence(
      factory('guard', 'explain', 'git', 'push', '--force'),
      2,
      /put the command to explain after --, e\.g\. factory guard explain -- git push --force/,
    );
    assert.equal(factory('guard', 'explain', '--', 'git', 'push', '--force').status, 1);
  });

  it('guard allow takes a short reason', () => {
    const granted = factory('guard', 'allow', '--rule', 'reset-hard', '--reason', 'r');
    assert.equal(granted.status, 0, granted.stderr);
    assert.match(granted.stdout, /reason: r\)/);
  });
});
