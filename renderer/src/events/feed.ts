import type { WatchEventsResponse } from '../../../proto/gen-es/fleet/desktop/v1/desktop_pb.js';

/**
 * The event feed. While paused, arriving events are held, not dropped, and join the list on resume.
 * The list keeps the newest `SHOWN_LIMIT` so a busy fleet does not grow the page without end.
 */
export interface FeedState {
  /** Newest first. */
  readonly shown: readonly WatchEventsResponse[];
  /** Arrived while paused, oldest first. */
  readonly held: readonly WatchEventsResponse[];
  readonly paused: boolean;
}

export const SHOWN_LIMIT = 500;

export type FeedAction =
  | { readonly type: 'event'; readonly event: WatchEventsResponse }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'clear' };

export const initialFeed: FeedState = { shown: [], held: [], paused: false };

export function feedReducer(s: FeedState, a: FeedAction): FeedState {
  switch (a.type) {
    case 'event':
      return s.paused ? { ...s, held: [...s.held, a.event] } : { ...s, shown: [a.event, ...s.shown].slice(0, SHOWN_LIMIT) };
    case 'pause':
      return { ...s, paused: true };
    case 'resume':
      return { paused: false, held: [], shown: [...[...s.held].reverse(), ...s.shown].slice(0, SHOWN_LIMIT) };
    case 'clear':
      return { ...s, shown: [], held: [] };
  }
}

/** Subject patterns as typed: separated by spaces or commas. */
export const parseSubjects = (text: string): string[] => text.split(/[\s,]+/).filter((p) => p !== '');

/** The event's fields, indented when they are JSON, as they came otherwise. */
export function prettyFields(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
