import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { factoryBin, makeTempRepo } from '@factory/testkit';

// The guard runs on every tool call: with the team's state on PostgreSQL (FACTORY_STATE_URL) it still
// records its refusal in the repository's SQLite and never loads pg (factory state sync ships it later).
describe('the guard hook with FACTORY_STATE_URL', () => {
  it('refuses and records without loading pg', () => {
    const repo = makeTempRepo({ files: { 'a.txt': 'a\n' } });
    try {
      const script = `
        import { registerHooks } from 'node:module';
        const seen = [];
        registerHooks({ resolve(s, c, next) { seen.push(s); return next(s, c); } });
        process.argv = [process.argv[0], ${JSON.stringify(factoryBin)}, 'hook', 'pre-tool-use'];
        process.on('exit', () => { process.stderr.write('\\nSEEN ' + JSON.stringify(seen) + '\\n'); });
        await import(${JSON.stringify(factoryBin)});`;
      const input = {
        session_id: 's1',
        hook_event_name: 'PreToolUse',
        cwd: repo.dir,
        tool_name: 'Bash',
        tool_input: { command: 'git push --force origin main' },
      };
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: repo.dir,
        env: { ...repo.env, FACTORY_STATE_URL: 'postgres://nobody@127.0.0.1:1/none' },
        input: JSON.stringify(input),
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /"permissionDecision":\s*"deny"/);
      const seen = JSON.parse(/SEEN (.*)/.exec(run.stderr)![1]!) as string[];
      assert.ok(
        !seen.some((s) => s === 'pg' || s.startsWith('pg/') || s.includes('/postgres/')),
        seen.join(' '),
      );
      const log = spawnSync(process.execPath, [factoryBin, 'guard', 'log', '--json'], {
        cwd: repo.dir,
        env: repo.env,
        encoding: 'utf8',
      });
      assert.equal(log.status, 0, log.stderr);
      assert.match(log.stdout, /git push --force/);
    } finally {
      repo.cleanup();
    }
  });
});
