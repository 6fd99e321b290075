import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers one request with. */
export type Reply =
  /** A well-formed chat completion stream, one chunk per token. */
  | {
      readonly kind: 'stream';
      readonly tokens: readonly string[];
      readonly delayMs?: number;
      readonly finishReason?: string;
      readonly usage?: boolean;
    }
  /** Raw bytes after a 200 event-stream header, for malformed and oddly split streams. */
  | { readonly kind: 'raw'; readonly parts: ReadonlyArray<string | Uint8Array>; readonly delayMs?: number; readonly contentType?: string }
  | { readonly kind: 'status'; readonly status: number; readonly body: string };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface FakeOpenAiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** How to answer chat completions; tests replace it. */
  reply: (body: Record<string, unknown>) => Reply;
  /** Models listed by GET /v1/models. */
  models: string[];
  /** Responses whose connection closed before the fake finished writing them (client aborts). */
  readonly closedEarly: () => number;
  /** Most chat completions in progress at one time. */
  readonly maxInFlight: () => number;
  /** Resolves once `n` responses have been closed early. */
  waitForClosedEarly(n?: number): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A small OpenAI-compatible server on 127.0.0.1, port chosen by the OS, speaking real HTTP and SSE. */
export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const requests: RecordedRequest[] = [];
  let closedEarly = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const earlyWaiters: Array<{ n: number; resolve: () => void }> = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: fake.models.map((id) => ({ id, object: 'model', owned_by: 'fake' })) }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'NotFound', code: 404 } }));
        return;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => {
        inFlight--;
        if (!res.writableFinished) {
          closedEarly++;
          for (const w of earlyWaiters.filter((w) => closedEarly >= w.n)) w.resolve();
        }
      });
      void answer(res, fake.reply(body), body);
    });
  });

  async function answer(res: ServerResponse, reply: Reply, body: Record<string, unknown>): Promise<void> {
    if (reply.kind === 'status') {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
      return;
    }
    res.writeHead(200, {
      'content-type': reply.kind === 'raw' ? (reply.contentType ?? 'text/event-stream') : 'text/event-stream',
      'cache-control': 'no-cache',
    });
    if (reply.kind === 'raw') {
      for (const part of reply.parts) {
        if (res.destroyed) return;
        res.write(part);
        await sleep(reply.delayMs ?? 5);
      }
      res.end();
      return;
    }
    const id = `chatcmpl-${requests.length}`;
    const event = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body['model'], choices, ...extra })}\n\n`;
    res.write(event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    for (const token of reply.tokens) {
      await sleep(reply.delayMs ?? 5);
      if (res.destroyed) return;
      res.write(event([{ index: 0, delta: { content: token }, finish_reason: null }]));
    }
    res.write(event([{ index: 0, delta: {}, finish_reason: reply.finishReason ?? 'stop' }]));
    const wantsUsage = (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (reply.usage ?? wantsUsage) {
      res.write(
        event([], { usage: { prompt_tokens: 42, completion_tokens: reply.tokens.length, total_tokens: 42 + reply.tokens.length } }),
      );
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeOpenAiServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: () => ({ kind: 'stream', tokens: ['Hello', ',', ' world'] }),
    models: ['fake-model'],
    closedEarly: () => closedEarly,
    maxInFlight: () => maxInFlight,
    waitForClosedEarly: (n = 1) =>
      closedEarly >= n ? Promise.resolve() : new Promise<void>((resolve) => earlyWaiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
  return fake;
}
