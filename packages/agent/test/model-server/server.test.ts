import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ScriptedModelServer, startScriptedModelServer } from '@factory/agent/model-server/server';
import { makeTempRepo, runScriptedClaude } from '@factory/testkit';

describe('scripted model server: the Messages API on loopback', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScriptedModelServer({
      script: {
        turns: [{ text: 'looking', toolCalls: [{ name: 'Bash', input: { command: 'ls' } }] }],
        finalText: 'all done',
      },
    });
  });
  after(() => server.close());

  const post = (body: unknown, path = '/v1/messages') =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers a side request without tools with text and keeps the script', async () => {
    const response = await post({ model: 'x', messages: [{ role: 'user', content: 'title?' }] });
    const message = (await response.json()) as { content: Array<{ type: string }>; stop_reason: string };
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.content[0]?.type, 'text');
    assert.equal(server.turnsPlayed, 0);
  });

  it('streams the next scripted turn as SSE events in the API order', async () => {
    const response = await post({ model: 'x', stream: true, tools: [{ name: 'Bash' }], messages: [] });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const text = await response.text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.match(text, /"partial_json":"\{\\"command\\":\\"ls\\"\}"/);
    assert.match(text, /"stop_reason":"tool_use"/);
    assert.equal(server.turnsPlayed, 1);
  });

  it('ends the conversation with the final text once the script is played out', async () => {
    const response = await post({ model: 'x', tools: [{ name: 'Bash' }], messages: [] });
    const message = (await response.json()) as { content: Array<{ text?: string }>; stop_reason: string };
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.content[0]?.text, 'all done');
  });

  it('counts tokens and records every request', async () => {
    const response = await post(
      { messages: [{ role: 'user', content: 'abcd' }] },
      '/v1/messages/count_tokens',
    );
    assert.ok(((await response.json()) as { input_tokens: number }).input_tokens > 0);
    assert.ok(server.requests.some((r) => r.path === '/v1/messages/count_tokens'));
    assert.equal(server.requests.filter((r) => r.turn !== undefined).length, 2);
  });
});

describe('the real Claude Code CLI against the scripted model server', () => {
  it('runs the scripted tool calls, runs the hooks, and reports hook denials', async () => {
    const repo = makeTempRepo({ files: { 'README.md': '# demo\n' } });
    try {
      mkdirSync(repo.path('.claude'));
      const deny = JSON.stringify({
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: 'no rm here',
        },
      });
      const hook = `cat > ${JSON.stringify(repo.path('payload.json'))}; case "$(cat ${JSON.stringify(repo.path('payload.json'))})" in *'rm -rf'*) echo '${deny}';; esac`;
      writeFileSync(
        repo.path('.claude/settings.json'),
        JSON.stringify({
          hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: hook }] }] },
        }),
      );
      const run = await runScriptedClaude({
        cwd: repo.dir,
        home: repo.home,
        prompt: 'tidy up',
        script: {
          turns: [
            {
              toolCalls: [
                { name: 'Bash', input: { command: 'echo made > made.txt', description: 'make a file' } },
              ],
            },
            { toolCalls: [{ name: 'Bash', input: { command: 'rm -rf src', description: 'remove' } }] },
          ],
        },
      });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(readFileSync(repo.path('made.txt'), 'utf8'), 'made\n');
      const payload = JSON.parse(readFileSync(repo.path('payload.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(payload.hook_event_name, 'PreToolUse');
      assert.equal(payload.tool_name, 'Bash');
      const results = run.events
        .filter((e) => e.type === 'user')
        .flatMap((e) => (e.message as { content: Array<Record<string, unknown>> }).content);
      const refused = results.find((r) => r.is_error === true);
      assert.match(String(refused?.content), /no rm here/);
      const denials = run.result?.permission_denials as Array<{ tool_name: string }>;
      assert.equal(denials.length, 1);
      assert.equal(denials[0]?.tool_name, 'Bash');
      assert.equal(existsSync(repo.path('src')), false);
    } finally {
      repo.cleanup();
    }
  });
});
