import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadScenarios } from '@factory/agent/eval/discover';
import { parseScenario } from '@factory/agent/eval/load';
import { FactoryError } from '@factory/core';
import { makeTempDir, projectRoot } from '@factory/testkit';

function errorOf(text: string, file = 'evals/broken.yaml'): string {
  try {
    parseScenario(text, file);
  } catch (error) {
    assert.ok(error instanceof FactoryError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('the scenario was accepted');
}

const valid = `name: ok
prompt: do it
expect:
  - toolCall: { tool: Bash }
`;

describe('scenario files: malformed ones name the file, the path inside it and what was expected', () => {
  it('accepts a valid scenario', () => {
    assert.equal(parseScenario(valid, 'x.yaml').name, 'ok');
  });

  it('a wrong type', () => {
    const message = errorOf(`${valid}runs: three\n`);
    assert.match(message, /^evals\/broken\.yaml: at runs \(line 5\): expected integer, got string "three"/);
  });

  it('a missing required field', () => {
    assert.match(
      errorOf('name: x\nexpect:\n  - noRefusals: true\n'),
      /evals\/broken\.yaml: at \(top level\).*expected a "prompt" field/,
    );
  });

  it('an unknown expectation, deep inside', () => {
    const message = errorOf(
      'name: x\nprompt: p\nexpect:\n  - toolCall: { tool: Bash }\n  - toolcall: { tool: Bash }\n',
    );
    assert.match(
      message,
      /at expect\[1\] \(line 5\): unexpected field "toolcall" \(expected one of: toolCall, noToolCall, order/,
    );
  });

  it('a matcher of the wrong shape on an input field', () => {
    const message = errorOf(
      'name: x\nprompt: p\nexpect:\n  - noToolCall:\n      input: { command: { startsWith: git } }\n',
    );
    assert.match(
      message,
      /at expect\[0\]\.noToolCall\.input\.command \(line 5\): unexpected field "startsWith" \(expected one of: equals, contains, regex, flags, absent\)/,
    );
  });

  it('an invalid regex', () => {
    assert.match(
      errorOf(`${valid}  - noToolCall: { input: { command: { regex: "([" } } }\n`),
      /at expect\[1\]\.noToolCall\.input\.command\.regex.*expected a valid regex/,
    );
  });

  it('two expectations in one item', () => {
    assert.match(
      errorOf('name: x\nprompt: p\nexpect:\n  - { noRefusals: true, maxTurns: 3 }\n'),
      /at expect\[0\].*expected exactly one of: toolCall/,
    );
  });

  it('YAML syntax errors give the line', () => {
    assert.match(errorOf('name: x\nprompt: [unclosed\n'), /^evals\/broken\.yaml: line \d+: not valid YAML/);
  });

  it('duplicate names across files are refused', () => {
    const tmp = makeTempDir();
    try {
      writeFileSync(join(tmp.dir, 'a.yaml'), valid);
      writeFileSync(join(tmp.dir, 'b.yaml'), valid);
      assert.throws(
        () => loadScenarios([tmp.dir], tmp.dir),
        /two eval scenarios are named "ok" \(a\.yaml and b\.yaml\)/,
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('a fixture that is not there is named before anything runs', () => {
    const tmp = makeTempDir();
    try {
      writeFileSync(join(tmp.dir, 'a.yaml'), `${valid}setup: { fixture: fixtures/nope }\n`);
      assert.throws(
        () => loadScenarios([tmp.dir], tmp.dir),
        /^FactoryError: a\.yaml: at setup\.fixture: expected an existing folder, .*fixtures\/nope is not one/,
      );
    } finally {
      tmp.cleanup();
    }
  });

  it("every scenario shipped in this repository's evals/ is valid", () => {
    const scenarios = loadScenarios([join(projectRoot, 'evals')], projectRoot);
    assert.ok(scenarios.length >= 7);
  });
});
