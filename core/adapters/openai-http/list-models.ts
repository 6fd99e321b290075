import { z } from 'zod';
import { abortError, FleetError } from '../../domain/errors.js';
import { sendRequest } from './http-request.js';
import { requestSignal } from './request-signal.js';
import { endpoint, serverUrl } from './server-url.js';

const modelList = z.object({ data: z.array(z.object({ id: z.string() })) });

export interface ListModelsOptions {
  readonly apiKey?: string;
  readonly signal?: AbortSignal;
  /** Default 10 s: a startup check should fail fast. */
  readonly timeoutMs?: number;
}

/**
 * Ids of the models an OpenAI-compatible server serves (`GET /v1/models`): the startup check that the
 * configured URL answers, as a clear error (UNAVAILABLE naming the URL, or the server's own refusal).
 */
export async function listModels(baseUrl: string, options: ListModelsOptions = {}): Promise<string[]> {
  const url = endpoint(serverUrl(baseUrl), '/v1/models');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const scope = requestSignal({
    ...(options.signal === undefined ? {} : { caller: options.signal }),
    timeoutMs,
    timeoutMessage: `the model server at ${url} did not answer within ${timeoutMs} ms`,
  });
  try {
    const response = await sendRequest(
      url,
      { headers: options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` } },
      scope.signal,
    );
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      if (scope.signal.aborted) throw abortError(scope.signal);
      throw new FleetError('INTERNAL', `malformed response from the model server at ${url}: not JSON`, { cause: error });
    }
    const parsed = modelList.safeParse(json);
    if (!parsed.success) {
      throw new FleetError('INTERNAL', `malformed response from the model server at ${url}: expected {"data": [{"id": ...}]}`);
    }
    return parsed.data.data.map((m) => m.id);
  } finally {
    scope.dispose();
  }
}
