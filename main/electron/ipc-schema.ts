import { z } from 'zod';

import type { DaemonState } from './daemon-supervisor.js';

/**
 * Every message between the page and the main process: its channel and the shape of its payload. The main
 * process validates what the page sends before acting on it; the page is treated as untrusted input.
 */

export const CHANNELS = {
  /** main → page: the daemon's state, on every change and after each load. */
  daemonState: 'fleet:daemon-state',
  /** main → page: a `swefleet://deliberation/<task-id>` link was opened. */
  openDeliberation: 'fleet:open-deliberation',
  /** page → main (invoke): open an https link in the user's browser. */
  openExternal: 'fleet:open-external',
} as const;

export type Channels = typeof CHANNELS;

/** What the page sends to open a link; the main process still applies the navigation policy. */
export const OpenExternalRequest = z.strictObject({ url: z.string().max(2048) });
export type OpenExternalRequest = z.infer<typeof OpenExternalRequest>;

export type OpenExternalReply = { readonly opened: true } | { readonly opened: false; readonly reason: string };

export interface OpenDeliberation {
  readonly taskId: string;
}

/** The daemon's state as the page sees it: the supervisor's state, and the last crash so the UI can say it restarted. */
export interface DaemonStateView {
  readonly kind: 'starting' | 'ready' | 'crashed' | 'stopped';
  /** The API origin and token, when ready. */
  readonly api?: { readonly origin: string; readonly token: string };
  readonly lastCrash?: { readonly reason: string; readonly at: string; readonly restartInMs: number };
  readonly restarts: number;
}

/** The view after `state`: a crash counts as a restart and is remembered until the next one. */
export function nextDaemonStateView(previous: DaemonStateView, state: DaemonState, at: Date): DaemonStateView {
  const kept = { restarts: previous.restarts, ...(previous.lastCrash === undefined ? {} : { lastCrash: previous.lastCrash }) };
  switch (state.kind) {
    case 'ready':
      return { ...kept, kind: 'ready', api: { origin: state.origin, token: state.token } };
    case 'crashed':
      return {
        kind: 'crashed',
        restarts: previous.restarts + 1,
        lastCrash: { reason: state.reason, at: at.toISOString(), restartInMs: state.restartInMs },
      };
    case 'starting':
    case 'stopped':
      return { ...kept, kind: state.kind };
  }
}

/** The API the preload script exposes as `window.fleet`. */
export interface FleetApi {
  onDaemonState(listener: (state: DaemonStateView) => void): () => void;
  onOpenDeliberation(listener: (link: OpenDeliberation) => void): () => void;
  openExternal(url: string): Promise<OpenExternalReply>;
}

/** The payload as `schema` reads it, or an Error naming the channel and each offending field. */
export function parseIpcPayload<T>(channel: string, schema: z.ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length === 0 ? '(payload)' : issue.path.join('.')}: ${issue.message}`);
  throw new Error(`${channel}: invalid payload: ${problems.join('; ')}`);
}
