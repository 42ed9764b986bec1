import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startScriptedModelServer } from '../../src/model-server/server.js';

async function ask(url: string, messages: unknown[]): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', max_tokens: 10, tools: [{ name: 'Bash' }], messages }),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe('the scripted model server with routed scripts', () => {
  it('plays each conversation its own script, its turn counted from the conversation itself', async () => {
    const server = await startScriptedModelServer({
      script: { turns: [], finalText: 'fallback' },
      scripts: [
        { match: 'MARK-A', script: { turns: [{ text: 'a0' }, { text: 'a1' }] } },
        { match: 'MARK-B', script: { turns: [{ text: 'b0' }], finalText: 'b done' } },
      ],
    });
    try {
      const text = (m: Record<string, unknown>) => JSON.stringify(m.content);
      const a = [{ role: 'user', content: 'do MARK-A' }];
      const b = [{ role: 'user', content: [{ type: 'text', text: 'do MARK-B' }] }];
      assert.match(text(await ask(server.url, a)), /a0/);
      assert.match(text(await ask(server.url, b)), /b0/);
      const a2 = [...a, { role: 'assistant', content: 'a0' }, { role: 'user', content: 'next' }];
      assert.match(text(await ask(server.url, a2)), /a1/);
      const b2 = [...b, { role: 'assistant', content: 'b0' }, { role: 'user', content: 'next' }];
      assert.match(text(await ask(server.url, b2)), /b done/);
      assert.match(text(await ask(server.url, [{ role: 'user', content: 'other' }])), /fallback/);
    } finally {
      await server.close();
    }
  });
});
