import { Code, ConnectError } from '@connectrpc/connect';
import { errorText } from '../api.js';

/** The daemon's field names (as INVALID_ARGUMENT messages start: `remote.url: expected …`) and the labels on the page. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  'remote.url': 'Server URL',
  'remote.model': 'Model name',
  'remote.api_key': 'API key',
  'remote.apiKey': 'API key',
  uri: 'Model URI',
};

export interface FormError {
  readonly text: string;
  /** The daemon's name of the field at fault, when it named one. */
  readonly field: string | undefined;
}

const NAMED = /^([A-Za-z_][\w.]*): (.*)$/s;

/**
 * A failed model call in words: a field the daemon names is called by its label on the page, and a
 * remote server that cannot be reached is not mistaken for the daemon (both answer UNAVAILABLE).
 */
export function modelError(error: unknown, remoteUrl?: string): FormError {
  const e = ConnectError.from(error);
  const named = NAMED.exec(e.rawMessage);
  if (e.code === Code.InvalidArgument && named !== null) {
    const [, field = '', rest = ''] = named;
    return { text: `${FIELD_LABELS[field] ?? field}: ${rest}`, field };
  }
  if (e.code === Code.Unavailable && remoteUrl !== undefined) {
    return { text: `The server at ${remoteUrl} cannot be reached: ${e.rawMessage}`, field: 'remote.url' };
  }
  return { text: errorText(error), field: undefined };
}
