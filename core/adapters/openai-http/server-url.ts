import { invalidArgument } from '../../domain/errors.js';

/**
 * The server's root URL from what a user configured. OpenAI clients are usually given the `/v1` base
 * (`http://host:8000/v1`) while vLLM docs show the bare host; both are accepted, so `endpoint` can
 * always append `/v1/...`.
 */
export function serverUrl(baseUrl: string, field = 'baseUrl'): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalidArgument(field, 'an http:// or https:// URL such as http://127.0.0.1:8000', baseUrl);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(field, 'an http:// or https:// URL such as http://127.0.0.1:8000', baseUrl);
  }
  return url.href.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export const endpoint = (root: string, path: `/v1/${string}`): string => root + path;
