import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelScript, RecordedRequest } from './script.js';
import { messageEvents, messageFromTurn, messageJson } from './sse.js';

/**
 * A scripted model server on loopback that speaks the Anthropic Messages API (JSON and streaming SSE),
 * so that the real Claude Code CLI can run offline and deterministically: it executes the tool calls the
 * script plays, runs the repository's hooks, and reports what happened. Used by the scripted eval lane
 * and by the end-to-end tests.
 */
export interface ScriptedModelServer {
  /** `http://127.0.0.1:PORT`: the value for ANTHROPIC_BASE_URL. */
  readonly url: string;
  /** Every request seen, in order. */
  readonly requests: readonly RecordedRequest[];
  /** How many scripted turns have been played. */
  readonly turnsPlayed: number;
  close(): Promise<void>;
}

/** A script for the conversations whose first user message contains `match` (see `scripts`). */
export interface RoutedScript {
  readonly match: string;
  readonly script: ModelScript;
}

export interface ScriptedModelServerOptions {
  readonly script: ModelScript;
  /**
   * Several conversations at once (the loop runs sessions side by side): a main-loop request is answered
   * from the first of these whose `match` its first user message contains, and its turn is the number of
   * assistant messages already in the conversation, so each session plays its own script from the start.
   * Requests that match none are answered from `script` as usual.
   */
  readonly scripts?: readonly RoutedScript[];
  readonly model?: string;
  readonly port?: number;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startScriptedModelServer(
  options: ScriptedModelServerOptions,
): Promise<ScriptedModelServer> {
  const requests: RecordedRequest[] = [];
  const model = options.model ?? 'claude-scripted-1';
  let turnsPlayed = 0;
  let messages = 0;
  let toolUses = 0;

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = undefined;
        }
        if (req.method === 'POST' && path.endsWith('/v1/messages/count_tokens')) {
          requests.push({ method: req.method, path, body, raw, turn: undefined });
          return sendJson(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
        }
        if (req.method === 'POST' && path.endsWith('/v1/messages')) {
          const request = (body ?? {}) as { tools?: unknown[]; stream?: boolean };
          const isMainLoop = Array.isArray(request.tools) && request.tools.length > 0;
          let turn: number | undefined;
          let scripted = { text: 'OK.' } as ModelScript['turns'][number];
          const routed = isMainLoop ? routeScript(options.scripts, body) : undefined;
          if (routed) {
            turn = routed.turn;
            scripted = routed.script.turns[routed.turn] ?? { text: routed.script.finalText ?? 'Done.' };
            turnsPlayed++;
          } else if (isMainLoop) {
            turn = turnsPlayed;
            scripted = options.script.turns[turnsPlayed] ?? { text: options.script.finalText ?? 'Done.' };
            turnsPlayed++;
          }
          requests.push({ method: req.method, path, body, raw, turn });
          messages++;
          const message = messageFromTurn(
            scripted,
            { message: `msg_scripted_${messages}`, toolUse: () => `toolu_scripted_${++toolUses}` },
            model,
          );
          if (request.stream) {
            res.writeHead(200, {
              'content-type': 'text/event-stream',
              'cache-control': 'no-cache',
              connection: 'keep-alive',
            });
            for (const chunk of messageEvents(message)) res.write(chunk);
            res.end();
            return;
          }
          return sendJson(res, 200, messageJson(message));
        }
        requests.push({ method: req.method ?? 'GET', path, body, raw, turn: undefined });
        return sendJson(res, 404, {
          type: 'error',
          error: { type: 'not_found_error', message: `no route ${path}` },
        });
      })
      .catch((error: unknown) => {
        sendJson(res, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: String(error) },
        });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get turnsPlayed() {
      return turnsPlayed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The routed script of a main-loop request and the turn it is at (see ScriptedModelServerOptions.scripts). */
function routeScript(
  scripts: readonly RoutedScript[] | undefined,
  body: unknown,
): { script: ModelScript; turn: number } | undefined {
  if (!scripts || scripts.length === 0) return undefined;
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> }).messages ?? [];
  const first = messages.find((m) => m.role === 'user');
  if (!first) return undefined;
  const text = JSON.stringify(first.content ?? '');
  const found = scripts.find((s) => text.includes(s.match));
  if (!found) return undefined;
  return { script: found.script, turn: messages.filter((m) => m.role === 'assistant').length };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
