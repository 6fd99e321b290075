import type { NatsConnection } from '@nats-io/transport-node';
import { decodeJson } from './event-json.js';

export type ContextUpdate = { readonly storyId: string; readonly version: string };

/**
 * Follows `context.updated` as the cluster publishes it, flat {story_id, version}, from this daemon or
 * any other. A malformed event is reported and skipped: it cannot name the story it would invalidate.
 */
export function followContextUpdates(
  nc: NatsConnection,
  onUpdate: (update: ContextUpdate) => Promise<void>,
  onMalformed: (reason: string) => void,
): { stop(): void } {
  const sub = nc.subscribe('context.updated', {
    callback: (error, msg) => {
      if (error !== null) return onMalformed(error.message);
      const update = parseUpdate(msg.data);
      if (typeof update === 'string') return onMalformed(update);
      onUpdate(update).catch((e: unknown) => onMalformed(`story ${update.storyId}: ${String(e)}`));
    },
  });
  return { stop: () => sub.unsubscribe() };
}

function parseUpdate(data: Uint8Array): ContextUpdate | string {
  let body: unknown;
  try {
    body = decodeJson(data);
  } catch (e) {
    return `context.updated: ${e instanceof Error ? e.message : String(e)}`;
  }
  const { story_id: storyId, version } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof storyId !== 'string' || storyId.trim() === '') return 'context.updated: story_id must be a non-empty string';
  if (typeof version !== 'string' && typeof version !== 'number') return 'context.updated: version must be a string or a number';
  return { storyId, version: String(version) };
}
