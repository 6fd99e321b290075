import type { FleetApi } from '../api.js';
import { modelError } from './model-errors.js';

/** A model download as the page shows it; cancelled and failed ones can be resumed with the same URI. */
export type Download =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly uri: string; readonly downloaded: number; readonly total: number }
  | { readonly kind: 'cancelled'; readonly uri: string; readonly downloaded: number; readonly total: number }
  | {
      readonly kind: 'failed';
      readonly uri: string;
      readonly downloaded: number;
      readonly total: number;
      readonly error: string;
      readonly field: string | undefined;
    }
  | { readonly kind: 'done'; readonly uri: string; readonly path: string; readonly bytes: number };

export interface DownloadStore {
  readonly get: () => Download;
  readonly subscribe: (listener: () => void) => () => void;
  /** Starts (or resumes: the daemon keeps what was fetched) a download; `onDone` hears where the file is. */
  readonly start: (uri: string, onDone?: (path: string) => void) => void;
  readonly cancel: () => void;
}

const IDLE: Download = { kind: 'idle' };

function createDownloadStore(api: FleetApi): DownloadStore {
  let state: Download = IDLE;
  let abort: AbortController | undefined;
  const listeners = new Set<() => void>();
  const set = (next: Download): void => {
    state = next;
    for (const l of listeners) l();
  };
  const progress = (): { downloaded: number; total: number } =>
    state.kind === 'running' || state.kind === 'cancelled' || state.kind === 'failed'
      ? { downloaded: state.downloaded, total: state.total }
      : { downloaded: 0, total: 0 };

  const run = async (uri: string, signal: AbortSignal, onDone?: (path: string) => void): Promise<void> => {
    try {
      for await (const message of api.desktop.downloadModel({ uri }, { signal })) {
        if (signal.aborted) return;
        if (message.done) {
          set({ kind: 'done', uri, path: message.path, bytes: Number(message.downloadedBytes) });
          onDone?.(message.path);
          return;
        }
        set({ kind: 'running', uri, downloaded: Number(message.downloadedBytes), total: Number(message.totalBytes) });
      }
      if (!signal.aborted)
        set({ kind: 'failed', uri, ...progress(), error: 'The download ended before the file was complete; resume it.', field: undefined });
    } catch (e) {
      if (signal.aborted) return;
      const { text, field } = modelError(e);
      set({ kind: 'failed', uri, ...progress(), error: text, field });
    }
  };

  return {
    get: () => state,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: (uri, onDone) => {
      if (state.kind === 'running') return;
      const controller = new AbortController();
      abort = controller;
      // A resume starts from what the last try reached; the daemon's first message brings the truth.
      const from = state.kind !== 'idle' && state.kind !== 'done' && state.uri === uri ? progress() : { downloaded: 0, total: 0 };
      set({ kind: 'running', uri, ...from });
      void run(uri, controller.signal, onDone);
    },
    cancel: () => {
      if (state.kind !== 'running') return;
      abort?.abort();
      abort = undefined;
      set({ kind: 'cancelled', uri: state.uri, downloaded: state.downloaded, total: state.total });
    },
  };
}

// One download per daemon connection, kept while the Models view is closed: leaving the view must not
// cancel a download of several gigabytes.
const stores = new WeakMap<FleetApi, DownloadStore>();

export function downloadsOf(api: FleetApi): DownloadStore {
  let store = stores.get(api);
  if (store === undefined) {
    store = createDownloadStore(api);
    stores.set(api, store);
  }
  return store;
}
