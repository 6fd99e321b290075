import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listModels } from '../../../core/adapters/openai-http/list-models.js';
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

const request = { system: 'sys', prompt: 'prompt', maxTokens: 16 };

async function failure(promise: Promise<unknown>): Promise<FleetError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FleetError);
  return error as FleetError;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const generate = (baseUrl = server.url): Promise<unknown> => createOpenAiHttpLanguageModel({ baseUrl, model: 'm' }).generate(request);

describe('OpenAI-compatible HTTP model: errors', () => {
  it('reports a server that is down as UNAVAILABLE naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(generate(url));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(`cannot reach the model server at ${url}/v1/chat/completions: connection refused (ECONNREFUSED)`);
    const listing = await failure(listModels(url));
    expect(listing.code).toBe('UNAVAILABLE');
    expect(listing.message).toContain(`${url}/v1/models`);
  });

  it('reports connection refused on every address of a name (localhost: ::1 and 127.0.0.1)', async () => {
    const url = `http://localhost:${await closedPort()}`;
    const error = await failure(generate(url));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(`cannot reach the model server at ${url}/v1/chat/completions: connection refused (ECONNREFUSED)`);
  });

  it('reports a port fetch refuses to use as INVALID_ARGUMENT on baseUrl', async () => {
    const error = await failure(generate('http://127.0.0.1:6000'));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'baseUrl' });
    expect(error.message).toContain('fetch refuses the port of http://127.0.0.1:6000/v1/chat/completions');
  });

  it('reports an unknown host as UNAVAILABLE naming the URL', async () => {
    const error = await failure(generate('http://no-such-host.invalid:8000'));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/^cannot reach the model server at http:\/\/no-such-host\.invalid:8000\/v1\/chat\/completions: /);
  });

  it('reports HTTP 400 as INVALID_ARGUMENT with the server’s message', async () => {
    server.reply = () => ({
      kind: 'status',
      status: 400,
      body: JSON.stringify({
        error: { message: "This model's maximum context length is 4096 tokens.", type: 'BadRequestError', param: 'max_tokens', code: 400 },
      }),
    });
    const error = await failure(generate());
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `the model server at ${server.url}/v1/chat/completions answered HTTP 400: This model's maximum context length is 4096 tokens.`,
    );
    expect(error.field).toBe('max_tokens');
  });

  it('reads the older vLLM error shape and FastAPI validation details', async () => {
    server.reply = () => ({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ object: 'error', message: 'guided_json is invalid', type: 'BadRequestError', code: 400 }),
    });
    expect((await failure(generate())).message).toMatch(/HTTP 400: guided_json is invalid$/);
    server.reply = () => ({
      kind: 'status',
      status: 422,
      body: JSON.stringify({ detail: [{ loc: ['body', 'messages'], msg: 'field required' }] }),
    });
    const error = await failure(generate());
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('field required');
  });

  it('reports a refused API key and an unknown model as FAILED_PRECONDITION with a hint', async () => {
    server.reply = () => ({ kind: 'status', status: 401, body: JSON.stringify({ error: { message: 'Unauthorized' } }) });
    const auth = await failure(generate());
    expect(auth.code).toBe('FAILED_PRECONDITION');
    expect(auth.message).toMatch(/HTTP 401: Unauthorized; check the API key$/);
    server.reply = () => ({ kind: 'status', status: 404, body: JSON.stringify({ error: { message: 'The model `m` does not exist.' } }) });
    const missing = await failure(generate());
    expect(missing.code).toBe('FAILED_PRECONDITION');
    expect(missing.message).toMatch(/HTTP 404: The model `m` does not exist\.; check the base URL/);
  });

  it('reports 5xx and 429 as UNAVAILABLE, quoting a plain-text body', async () => {
    server.reply = () => ({ kind: 'status', status: 503, body: 'engine is starting' });
    const busy = await failure(generate());
    expect(busy.code).toBe('UNAVAILABLE');
    expect(busy.message).toMatch(/HTTP 503: engine is starting$/);
    server.reply = () => ({ kind: 'status', status: 429, body: '' });
    const limited = await failure(generate());
    expect(limited.code).toBe('UNAVAILABLE');
    expect(limited.message).toMatch(/HTTP 429: Too Many Requests$/);
  });

  it('reports an event that is not JSON as INTERNAL, quoting it', async () => {
    server.reply = () => ({ kind: 'raw', parts: ['data: {"choices": [{"delta": {"content": "a"}}]}\n\n', 'data: {"choices": [oops\n\n'] });
    const error = await failure(generate());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe(
      `malformed response from the model server at ${server.url}/v1/chat/completions: event 2 is not JSON: {"choices": [oops`,
    );
  });

  it('reports an event of the wrong shape as INTERNAL, naming the field', async () => {
    server.reply = () => ({ kind: 'raw', parts: ['data: {"choices": [{"delta": {"content": 7}}]}\n\n'] });
    const error = await failure(generate());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toMatch(/event 1 is not a chat completion chunk \(choices\.0\.delta\.content: .*\)/);
  });

  it('reports a non-streamed answer as INTERNAL', async () => {
    server.reply = () => ({ kind: 'raw', contentType: 'application/json', parts: ['{"choices": []}'] });
    const error = await failure(generate());
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('expected an event stream (text/event-stream), got application/json');
  });

  it('reports a stream cut off before the model finished as UNAVAILABLE', async () => {
    server.reply = () => ({ kind: 'raw', parts: ['data: {"choices": [{"delta": {"content": "half"}}]}\n\n', 'data: {"choi'] });
    const error = await failure(generate());
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toContain('ended before the model finished');
  });

  it('reports an error event sent mid-stream with the server’s message', async () => {
    server.reply = () => ({
      kind: 'raw',
      parts: [
        'data: {"choices": [{"delta": {"content": "a"}}]}\n\n',
        'data: {"error": {"message": "CUDA out of memory", "code": 500}}\n\n',
      ],
    });
    const error = await failure(generate());
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/failed mid-stream: CUDA out of memory$/);
  });

  it('reports a malformed model list as INTERNAL', async () => {
    const fake = createServer((_req, res) => res.end('{"models": ["m"]}'));
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const error = await failure(listModels(url));
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toContain(`${url}/v1/models`);
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });

  it('refuses bad options at creation, naming the option', () => {
    const bad = (options: Parameters<typeof createOpenAiHttpLanguageModel>[0]): FleetError => {
      try {
        createOpenAiHttpLanguageModel(options);
      } catch (e) {
        return e as FleetError;
      }
      throw new Error('expected a FleetError');
    };
    expect(bad({ baseUrl: 'localhost:8000', model: 'm' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'baseUrl' });
    expect(bad({ baseUrl: 'ftp://x', model: 'm' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'baseUrl' });
    expect(bad({ baseUrl: server.url, model: ' ' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
    expect(bad({ baseUrl: server.url, model: 'm', maxConcurrent: 0 })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'maxConcurrent' });
    expect(bad({ baseUrl: server.url, model: 'm', requestTimeoutMs: -1 })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'requestTimeoutMs',
    });
  });
});
