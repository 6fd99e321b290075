import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listModels } from '../../../core/adapters/openai-http/list-models.js';
import { createOpenAiHttpLanguageModel } from '../../../core/adapters/openai-http/openai-http-language-model.js';
import type { GenerateProgress, JsonSchema } from '../../../core/ports/language-model.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server.js';

let server: FakeOpenAiServer;
beforeEach(async () => {
  server = await startFakeOpenAiServer();
});
afterEach(async () => {
  await server.close();
});

const PROPOSAL_SCHEMA: JsonSchema = {
  title: 'proposal content',
  type: 'object',
  properties: { summary: { type: 'string' }, requirements: { type: 'array', items: { type: 'string' } } },
  required: ['summary', 'requirements'],
  additionalProperties: false,
};

const request = { system: 'You are a senior developer.', prompt: 'Propose a rate limiter.', maxTokens: 64 };

describe('OpenAI-compatible HTTP model: streaming', () => {
  it('assembles the streamed text and reports the server’s token counts', async () => {
    server.reply = () => ({ kind: 'stream', tokens: ['{"summary":', ' "token', ' bucket",', ' "requirements": []}'] });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'qwen2.5-7b-instruct' });
    const result = await model.generate(request);
    expect(result).toMatchObject({
      text: '{"summary": "token bucket", "requirements": []}',
      promptTokens: 42,
      completionTokens: 4,
      finishReason: 'stop',
    });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(model.info).toEqual({ name: 'qwen2.5-7b-instruct', backend: 'openai-http', gpu: false });
  });

  it('sends messages, limits, seed and the JSON schema both ways by default', async () => {
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'qwen2.5-7b-instruct', apiKey: 'sk-test' });
    await model.generate({ ...request, jsonSchema: PROPOSAL_SCHEMA, temperature: 0.7, seed: 1234 });
    const [sent] = server.requests;
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers['authorization']).toBe('Bearer sk-test');
    expect(sent?.body).toEqual({
      model: 'qwen2.5-7b-instruct',
      messages: [
        { role: 'system', content: 'You are a senior developer.' },
        { role: 'user', content: 'Propose a rate limiter.' },
      ],
      max_tokens: 64,
      temperature: 0.7,
      seed: 1234,
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_schema', json_schema: { name: 'proposal_content', schema: PROPOSAL_SCHEMA, strict: true } },
      guided_json: PROPOSAL_SCHEMA,
    });
  });

  it('sends the schema only the way the server accepts when told', async () => {
    const strict = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', guidedDecoding: 'response_format' });
    const vllmOnly = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm', guidedDecoding: 'guided_json' });
    await strict.generate({ ...request, jsonSchema: PROPOSAL_SCHEMA });
    await vllmOnly.generate({ ...request, jsonSchema: PROPOSAL_SCHEMA });
    await strict.generate(request);
    const [first, second, third] = server.requests.map((r) => r.body);
    expect(first).toHaveProperty('response_format');
    expect(first).not.toHaveProperty('guided_json');
    expect(second).toHaveProperty('guided_json', PROPOSAL_SCHEMA);
    expect(second).not.toHaveProperty('response_format');
    // No schema: free text, and no temperature or seed the caller did not ask for.
    expect(Object.keys(third ?? {}).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream', 'stream_options']);
  });

  it('reports progress as tokens arrive, with a rate', async () => {
    server.reply = () => ({ kind: 'stream', tokens: ['a', 'b', 'c', 'd', 'e'], delayMs: 20 });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    const progress: GenerateProgress[] = [];
    await model.generate({ ...request, onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.tokens)).toEqual([1, 2, 3, 4, 5]);
    for (const p of progress) expect(p.tokensPerSecond).toBeGreaterThan(0);
    // 5 tokens 20 ms apart: well under 1000 tokens/s, well over 1.
    expect(progress.at(-1)!.tokensPerSecond).toBeLessThan(1000);
    expect(progress.at(-1)!.tokensPerSecond).toBeGreaterThan(1);
  });

  it('counts streamed chunks when the server sends no usage', async () => {
    server.reply = () => ({ kind: 'stream', tokens: ['x', 'y', 'z'], usage: false });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    expect(await model.generate(request)).toMatchObject({ text: 'xyz', promptTokens: 0, completionTokens: 3 });
  });

  it('reports a generation cut by max_tokens as finishReason length', async () => {
    server.reply = () => ({ kind: 'stream', tokens: ['{"summary": "to'], finishReason: 'length' });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    expect(await model.generate(request)).toMatchObject({ finishReason: 'length', text: '{"summary": "to' });
  });

  it('parses events split across writes, CRLF line ends, comments and multi-byte characters cut in half', async () => {
    const chunk = (content: string): string => JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    const bytes = Buffer.from(`data: ${chunk('prix: 5 €')}\r\n\r\n`, 'utf8');
    const cut = bytes.indexOf(Buffer.from('€')) + 1; // inside the euro sign's three bytes
    server.reply = () => ({
      kind: 'raw',
      parts: [
        ': keep-alive comment\n\n',
        bytes.subarray(0, cut),
        bytes.subarray(cut),
        `data: ${chunk(' ok')}\r`,
        `\n\r\ndata: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
        'data: [DONE]\n\n',
      ],
    });
    const model = createOpenAiHttpLanguageModel({ baseUrl: server.url, model: 'm' });
    expect(await model.generate(request)).toMatchObject({ text: 'prix: 5 € ok', completionTokens: 2 });
  });

  it('accepts a base URL given with /v1 and a trailing slash', async () => {
    const model = createOpenAiHttpLanguageModel({ baseUrl: `${server.url}/v1/`, model: 'm' });
    expect((await model.generate(request)).text).toBe('Hello, world');
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('lists the served models', async () => {
    server.models = ['qwen2.5-7b-instruct', 'llama-3.1-8b'];
    expect(await listModels(server.url, { apiKey: 'sk-test' })).toEqual(['qwen2.5-7b-instruct', 'llama-3.1-8b']);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', headers: { authorization: 'Bearer sk-test' } });
  });
});
