import { z } from 'zod';
import { abortError, FleetError, type ErrorCode } from '../../domain/errors.js';

/**
 * Sends one request and returns the response only when it is a success; every failure becomes a
 * FleetError naming the URL: aborts as CANCELLED / DEADLINE_EXCEEDED, unreachable servers as
 * UNAVAILABLE, HTTP errors by status with the server's own message.
 */
export async function sendRequest(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    // fetch refuses ports browsers block (1, 6000, 6666, ...) before connecting; only a new port helps.
    if (error instanceof Error && error.cause instanceof Error && error.cause.message === 'bad port') {
      throw new FleetError('INVALID_ARGUMENT', `baseUrl: fetch refuses the port of ${url}; serve the model on another port`, {
        field: 'baseUrl',
        cause: error,
      });
    }
    throw unreachable(url, error);
  }
  if (!response.ok) throw await statusError(url, response, signal);
  return response;
}

const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_SOCKET: 'connection closed by the server',
};

/** The server could not be reached or dropped the connection: worth retrying, so UNAVAILABLE. */
export function unreachable(url: string, error: unknown): FleetError {
  const code = networkCode(error);
  const what = code === undefined ? describeError(error) : `${NETWORK_ERRORS[code] ?? describeError(error)} (${code})`;
  return new FleetError('UNAVAILABLE', `cannot reach the model server at ${url}: ${what}`, { cause: error });
}

// fetch wraps the socket error as `cause`; with several addresses tried it is an AggregateError.
function networkCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in NETWORK_ERRORS) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = networkCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}

const describeError = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return (error instanceof Error ? error.message : String(error)) + cause;
};

// OpenAI and current vLLM: {error: {message}}; older vLLM: {message}; FastAPI validation: {detail}.
const errorBody = z.union([
  z.object({ error: z.object({ message: z.string(), param: z.string().nullish() }) }),
  z.object({ error: z.string() }),
  z.object({ message: z.string() }),
  z.object({ detail: z.unknown() }),
]);

function statusCode(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 422) return 'INVALID_ARGUMENT';
  if (status === 408 || status === 429 || status >= 500) return 'UNAVAILABLE';
  if (status >= 400) return 'FAILED_PRECONDITION';
  return 'INTERNAL';
}

const HINTS: Readonly<Record<number, string>> = {
  401: '; check the API key',
  403: '; check the API key',
  404: '; check the base URL and that the server serves this model',
};

async function statusError(url: string, response: Response, signal: AbortSignal): Promise<FleetError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // No body to quote; the status still says what happened.
    if (signal.aborted) return abortError(signal);
  }
  const code = statusCode(response.status);
  const { message, param } = serverMessage(text);
  const said = message === '' ? response.statusText : message;
  return new FleetError(
    code,
    `the model server at ${url} answered HTTP ${response.status}: ${said}${HINTS[response.status] ?? ''}`,
    param === undefined ? undefined : { field: param },
  );
}

function serverMessage(text: string): { message: string; param?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: clip(text.trim()) };
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return { message: clip(text.trim()) };
  const body = parsed.data;
  if ('error' in body) {
    if (typeof body.error === 'string') return { message: clip(body.error) };
    return { message: clip(body.error.message), ...(body.error.param == null ? {} : { param: body.error.param }) };
  }
  if ('message' in body) return { message: clip(body.message) };
  return { message: clip(typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)) };
}

const clip = (s: string, max = 1000): string => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
