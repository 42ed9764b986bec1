import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeTempRepo, runFactory, type TempRepo } from '@factory/testkit';

/** The guard through the built bin, as Claude Code runs it: does `pip install` get through? */
function pipInstall(repo: TempRepo) {
  const input = JSON.stringify({
    session_id: 'sess-1',
    transcript_path: join(repo.home, 't.jsonl'),
    cwd: repo.dir,
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command: 'pip install requests' },
    tool_use_id: 'toolu_1',
  });
  const result = runFactory(['hook', 'pre-tool-use'], { cwd: repo.dir, env: repo.env, input });
  const answer = result.stdout.trim()
    ? (
        JSON.parse(result.stdout) as {
          hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
        }
      ).hookSpecificOutput
    : undefined;
  return {
    status: result.status,
    decision: answer?.permissionDecision,
    reason: answer?.permissionDecisionReason ?? '',
  };
}

function pythonRepo(config: string | undefined): TempRepo {
  const repo = makeTempRepo({ files: { 'uv.lock': 'version = 1\n', 'main.py': 'print(1)\n' } });
  if (config !== undefined) writeFileSync(repo.path('factory.config.json'), config);
  return repo;
}

describe('the guard reads the whole config, not only its own section', () => {
  it('with "extends": "python" the preset refuses pip where uv.lock exists (the baseline)', () => {
    const repo = pythonRepo('{ "extends": "python" }\n');
    try {
      const answer = pipInstall(repo);
      assert.equal(answer.decision, 'deny');
      assert.match(answer.reason, /uv/);
    } finally {
      repo.cleanup();
    }
  });

  const invalid: Record<string, [string, RegExp]> = {
    'a misspelt preset ("extends": "pyhton")': ['{ "extends": "pyhton" }\n', /pyhton/],
    'an invalid gates section': [
      '{ "extends": "python", "gates": { "preCommit": { "maxFileSizeKb": "big" } } }\n',
      /maxFileSizeKb/,
    ],
    'an empty file': ['', /is empty/],
    'a file of whitespace': ['\n  \n', /is empty/],
  };
  for (const [name, [text, why]] of Object.entries(invalid)) {
    it(`${name}: the guard fails closed and says why, as the gate does`, () => {
      const repo = pythonRepo(text);
      try {
        const answer = pipInstall(repo);
        assert.equal(answer.decision, 'deny', `denied, not allowed: ${JSON.stringify(answer)}`);
        assert.match(answer.reason, why);
        const gate = runFactory(['gate', 'pre-commit'], { cwd: repo.dir, env: repo.env });
        assert.equal(gate.status, 2, 'the gate cannot run either');
        assert.match(gate.stderr, why);
      } finally {
        repo.cleanup();
      }
    });
  }

  it('the validation is kept while the config is unchanged and redone when it changes', () => {
    const repo = pythonRepo('{ "extends": "python" }\n');
    try {
      // Only the state folder, where the cache lives: after `factory init` a changed config is tamper until
      // init runs again (tamper.e2e.test.ts); here the config is edited by hand before any init.
      mkdirSync(repo.path('.factory'));
      assert.equal(pipInstall(repo).decision, 'deny');
      assert.ok(
        existsSync(repo.path('.factory', 'guard-config-cache.json')),
        'the validated section is kept',
      );
      assert.equal(pipInstall(repo).decision, 'deny');
      writeFileSync(repo.path('factory.config.json'), '{ "extends": "pyhton" }\n');
      const changed = pipInstall(repo);
      assert.equal(changed.decision, 'deny');
      assert.match(changed.reason, /pyhton/, 'a changed config is validated again');
      writeFileSync(
        repo.path('factory.config.json'),
        '{ "extends": "python", "guard": { "disable": [{ "rule": "python/use-uv", "reason": "this project uses pip on purpose" }] } }\n',
      );
      assert.notEqual(pipInstall(repo).decision, 'deny', 'the new valid config applies at once');
    } finally {
      repo.cleanup();
    }
  });
});
