import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiHttpLanguageModel } from '../../../core/adapters/openai-http/openai-http-language-model.js';
import { FleetError } from '../../../core/domain/errors.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server.js';

let server: FakeOpenAiServer;
beforeEach(async () => {
  server = await startFakeOpenAiServer();
});
afterEach(async () => {
  await server.close();
});

const request = { system: 'sys', prompt: 'prompt', maxTokens: 256 };
const tokens = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i} `);

async function failure(promise: Promise<unknown>): Promise<FleetError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
}

describe('OpenAI-compatible HTTP model: cancellation and concurrency', () => {
  it('aborting mid-stream closes the connection and rejects CANCELLED', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(200), delayMs: 10 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const controller = new AbortController();
    let seen = 0;
    const started = Date.now();
    const error = await failure(
      model.generate({
        ...request,
        signal: controller.signal,
        onProgress: (p) => {
          seen = p.tokens;
          if (p.tokens === 3) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(seen).toBe(3);
    expect(Date.now() - started).toBeLessThan(1000); // not the 2 s the whole stream would take
    await server.waitForClosedEarly(1); // the server saw the client go, and stops generating
    expect(server.closedEarly()).toBe(1);
  });

  it('an error thrown by onProgress reaches the caller as it is, and the stream is dropped', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(200), delayMs: 10 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const bug = new Error('listener bug');
    await expect(
      model.generate({
        ...request,
        onProgress: () => {
          throw bug;
        },
      }),
    ).rejects.toBe(bug);
    await server.waitForClosedEarly(1);
  });

  it('a signal aborted before the call sends nothing', async () => {
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const error = await failure(model.generate({ ...request, signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect(server.requests).toHaveLength(0);
  });

  it('the caller’s deadline rejects DEADLINE_EXCEEDED and closes the connection', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(200), delayMs: 10 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const error = await failure(model.generate({ ...request, signal: AbortSignal.timeout(150) }));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    await server.waitForClosedEarly(1);
  });

  it('the adapter’s own request timeout rejects DEADLINE_EXCEEDED naming the server', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(200), delayMs: 10 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', requestTimeoutMs: 150 });
    const error = await failure(model.generate(request));
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    expect(error.message).toBe(`the model server at ${server.url}/v1/chat/completions did not finish within 150 ms (requestTimeoutMs)`);
    await server.waitForClosedEarly(1);
  });

  it('the timeout also covers a server that accepts the request and never answers', async () => {
    server.reply = () => ({ kind: 'raw', parts: [': waiting\n\n'], delayMs: 5_000 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', requestTimeoutMs: 150 });
    expect((await failure(model.generate(request))).code).toBe('DEADLINE_EXCEEDED');
  });

  it('serves concurrent calls at once, each getting its own stream', async () => {
    server.reply = (body) => {
      const prompt = (body['messages'] as Array<{ content: string }>)[1]!.content;
      return { kind: 'stream', tokens: [`answer `, `to `, prompt], delayMs: 30 };
    };
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => model.generate({ ...request, prompt: `agent ${i}`, seed: i })));
    expect(results.map((r) => r.text)).toEqual([1, 2, 3, 4, 5].map((i) => `answer to agent ${i}`));
    expect(server.maxInFlight()).toBe(5);
    expect(Date.now() - started).toBeLessThan(5 * 90); // overlapped, not one after another
    expect(server.requests.map((r) => r.body['seed']).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds calls beyond maxConcurrent until a slot frees', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(3), delayMs: 20 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', maxConcurrent: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => model.generate(request)));
    expect(results).toHaveLength(6);
    expect(server.maxInFlight()).toBe(2);
    expect(server.requests).toHaveLength(6);
  });

  it('a call aborted while waiting for a slot never reaches the server', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(5), delayMs: 20 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', maxConcurrent: 1 });
    const running = model.generate(request);
    const controller = new AbortController();
    const waiting = model.generate({ ...request, signal: controller.signal });
    const after = model.generate(request);
    controller.abort();
    expect((await failure(waiting)).code).toBe('CANCELLED');
    await Promise.all([running, after]);
    expect(server.requests).toHaveLength(2);
  });

  it('close() cancels calls in flight and refuses new ones', async () => {
    server.reply = () => ({ kind: 'stream', tokens: tokens(200), delayMs: 10 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    let resolveStarted!: () => void;
    const started = new Promise<void>((resolve) => (resolveStarted = resolve));
    const inFlight = model.generate({ ...request, onProgress: () => resolveStarted() });
    await started;
    await model.close();
    const error = await failure(inFlight);
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toContain('was closed');
    expect((await failure(model.generate(request))).code).toBe('FAILED_PRECONDITION');
    await server.waitForClosedEarly(1);
  });
});
