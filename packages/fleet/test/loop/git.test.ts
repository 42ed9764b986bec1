import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gitComplaint } from '../../src/loop/git.js';

describe("git's complaint in one sentence", () => {
  const fail = (stderr: string) => gitComplaint({ ok: false, stdout: '', stderr });

  it('takes the fatal line, without hints', () => {
    assert.equal(
      fail("hint: try this\nfatal: 'x' is not a working tree\n"),
      "fatal: 'x' is not a working tree",
    );
  });

  it('adds a local hook\'s own reason to git\'s "aborted by hook"', () => {
    assert.equal(
      fail(
        'factory: refused: control files differ from what factory init recorded (.husky/pre-commit changed).\nfatal: ref updates aborted by hook\n',
      ),
      'fatal: ref updates aborted by hook: factory: refused: control files differ from what factory init recorded (.husky/pre-commit changed)',
    );
  });

  it('adds the pre-push gate\'s reason to git\'s "failed to push some refs"', () => {
    assert.equal(
      fail(
        "factory: refused: control files differ from what factory init recorded (.git/factory-hooks.config added); something other than factory init changed them.\nerror: failed to push some refs to '/r/remotes/gamma.git'\n",
      ),
      "error: failed to push some refs to '/r/remotes/gamma.git': factory: refused: control files differ from what factory init recorded (.git/factory-hooks.config added); something other than factory init changed them",
    );
  });

  it("adds the remote's words to a rejected push", () => {
    assert.equal(
      fail(
        ' ! [remote rejected] main -> main (pre-receive hook declined)\nremote: error: protected branch.\n',
      ),
      '! [remote rejected] main -> main (pre-receive hook declined): remote: error: protected branch',
    );
  });
});
