import { performance } from 'node:perf_hooks';
import { Semaphore } from '../../base/semaphore.js';
import { abortError, FleetError, invalidArgument } from '../../domain/errors.js';
import type { GenerateRequest, GenerateResult, LanguageModel } from '../../ports/language-model.js';
import { chatCompletionChunk, streamedError, type ChatCompletionChunk } from './chat-completion-chunk.js';
import { chatCompletionBody, type GuidedDecoding } from './chat-completion-request.js';
import { sendRequest, unreachable } from './http-request.js';
import { requestSignal } from './request-signal.js';
import { serverSentEvents } from './server-sent-events.js';
import { endpoint, serverUrl } from './server-url.js';

export interface OpenAiHttpOptions {
  /** Server root, with or without `/v1`: `http://127.0.0.1:8000`. */
  readonly baseUrl: string;
  /** Model id as the server names it (`GET /v1/models`). */
  readonly model: string;
  /** Sent as `Authorization: Bearer`. */
  readonly apiKey?: string;
  /**
   * Longest one call may take, from sending the request to the last token; a safety net against a
   * server that stops answering. The caller's signal carries the real deadline. Default 10 minutes.
   */
  readonly requestTimeoutMs?: number;
  /** Requests in flight at once; more wait their turn. Default: no limit (vLLM batches and queues itself). */
  readonly maxConcurrent?: number;
  /** Default 'both', for vLLM. Use 'response_format' for servers that reject unknown fields. */
  readonly guidedDecoding?: GuidedDecoding;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10 * 60_000;

/** A LanguageModel served by an OpenAI-compatible HTTP server (vLLM, llama-server, ...), streamed over SSE. */
export function createOpenAiHttpLanguageModel(options: OpenAiHttpOptions): LanguageModel {
  const url = endpoint(serverUrl(options.baseUrl), '/v1/chat/completions');
  if (options.model.trim() === '') throw invalidArgument('model', 'the id of a model the server serves');
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw invalidArgument('requestTimeoutMs', 'a positive number of milliseconds', timeoutMs);
  const maxConcurrent = options.maxConcurrent ?? Infinity;
  if (!(maxConcurrent >= 1) || (Number.isFinite(maxConcurrent) && !Number.isInteger(maxConcurrent))) {
    throw invalidArgument('maxConcurrent', 'a positive integer', maxConcurrent);
  }
  const guided = options.guidedDecoding ?? 'both';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
  };
  const slots = new Semaphore(maxConcurrent);
  const inFlight = new Set<(reason: FleetError) => void>();
  let closed = false;

  const closedError = (): FleetError => new FleetError('FAILED_PRECONDITION', `the client for the model server at ${url} is closed`);

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    if (closed) throw closedError();
    const signal = request.signal;
    const release = await slots.acquire(signal).catch(() => {
      throw abortError(signal!);
    });
    const scope = requestSignal({
      ...(request.signal === undefined ? {} : { caller: request.signal }),
      timeoutMs,
      timeoutMessage: `the model server at ${url} did not finish within ${timeoutMs} ms (requestTimeoutMs)`,
    });
    inFlight.add(scope.abort);
    try {
      if (closed) throw closedError();
      return await stream(request, scope.signal);
    } finally {
      inFlight.delete(scope.abort);
      scope.dispose();
      release();
    }
  }

  async function stream(request: GenerateRequest, signal: AbortSignal): Promise<GenerateResult> {
    const started = performance.now();
    const response = await sendRequest(
      url,
      { method: 'POST', headers, body: JSON.stringify(chatCompletionBody(options.model, request, guided)) },
      signal,
    );
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw malformed(`expected an event stream (text/event-stream), got ${contentType === '' ? 'no content type' : contentType}`);
    }

    let text = '';
    let chunks = 0;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    let finishReason: string | undefined;
    let done = false;
    let index = 0;
    for await (const data of readEvents(response.body, signal)) {
      index++;
      if (data === '[DONE]') {
        done = true;
        break;
      }
      const chunk = parseChunk(data, index);
      const choice = chunk.choices[0];
      const content = choice?.delta?.content ?? '';
      // Without per-chunk usage, one streamed delta is the best available count of one token.
      if (content !== '' || (choice?.delta?.reasoning_content ?? '') !== '') {
        text += content;
        chunks++;
        const seconds = (performance.now() - started) / 1000;
        request.onProgress?.({ tokens: chunks, tokensPerSecond: seconds > 0 ? chunks / seconds : 0, text: content });
      }
      if (choice?.finish_reason != null) finishReason = choice.finish_reason;
      if (chunk.usage != null) usage = chunk.usage;
    }
    if (!done && finishReason === undefined) {
      throw new FleetError(
        'UNAVAILABLE',
        `the stream from the model server at ${url} ended before the model finished (no finish_reason, no [DONE])`,
      );
    }
    return {
      text,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? chunks,
      durationMs: performance.now() - started,
      finishReason: finishReason === 'length' ? 'length' : 'stop',
    };
  }

  // Only failures to read the body are the network's; errors raised while handling an event (a
  // malformed chunk, a throwing onProgress) pass through as they are.
  async function* readEvents(body: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
    try {
      yield* serverSentEvents(body);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      throw unreachable(url, error);
    }
  }

  function parseChunk(data: string, index: number): ChatCompletionChunk {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw malformed(`event ${index} is not JSON: ${clip(data)}`);
    }
    const failure = streamedError.safeParse(json);
    if (failure.success) {
      const status = failure.data.error.code;
      const code = status != null && status >= 400 && status < 500 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
      throw new FleetError(code, `the model server at ${url} failed mid-stream: ${failure.data.error.message}`);
    }
    const chunk = chatCompletionChunk.safeParse(json);
    if (!chunk.success) {
      const issue = chunk.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
      throw malformed(`event ${index} is not a chat completion chunk (${where}${issue?.message ?? 'invalid'}): ${clip(data)}`);
    }
    return chunk.data;
  }

  const malformed = (detail: string): FleetError =>
    new FleetError('INTERNAL', `malformed response from the model server at ${url}: ${detail}`);

  return {
    info: { name: options.model, backend: 'openai-http', gpu: false },
    generate,
    close() {
      closed = true;
      const reason = new FleetError('CANCELLED', `the client for the model server at ${url} was closed`);
      for (const abort of inFlight) abort(reason);
      return Promise.resolve();
    },
  };
}

const clip = (s: string, max = 200): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
