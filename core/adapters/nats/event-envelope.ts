import { z } from 'zod';
import { check, decodeJson, encodeJson, invalid, MAX_EVENT_BYTES } from './event-json.js';
import { eventTypeName, id, isoDateTime, type KnownEventType, type PayloadOf, specOf } from './event-payloads.js';

export const ENVELOPE_VERSION = 1;

/**
 * The fleet's own envelope, as it is on the wire (JSON, snake_case): what agent turns travel in, and
 * one of the two forms a planning publisher may use (the other is the cluster's flat objects, see
 * fleet-event.ts).
 */
export interface EventEnvelope<P = unknown> {
  /** Unique per event, stable across retries: it is also the Nats-Msg-Id that deduplicates a publish. */
  readonly event_id: string;
  /** The subject the event is published on (or its prefix, for subjects that add routing tokens). */
  readonly type: string;
  /** Optional on the wire; 1 when absent. */
  readonly version: number;
  /** ISO 8601. */
  readonly occurred_at: string;
  /** Ties together the events of one piece of work (a task id, a plan id). */
  readonly correlation_id: string;
  readonly payload: P;
}

const envelopeSchema = z.object({
  event_id: id,
  type: eventTypeName,
  version: z.literal(ENVELOPE_VERSION, { error: `${ENVELOPE_VERSION} (the envelope version this build reads)` }).default(ENVELOPE_VERSION),
  occurred_at: isoDateTime,
  correlation_id: id,
  payload: z.record(z.string(), z.unknown()),
});

/** What an event we publish is known by, in either form. */
export interface EventIds {
  readonly eventId: string;
  readonly correlationId: string;
  readonly occurredAtMs: number;
}

export function makeEnvelope<T extends KnownEventType>(type: T, payload: PayloadOf[T], ids: EventIds): EventEnvelope<PayloadOf[T]> {
  return {
    event_id: ids.eventId,
    type,
    version: ENVELOPE_VERSION,
    occurred_at: new Date(ids.occurredAtMs).toISOString(),
    correlation_id: ids.correlationId,
    payload,
  };
}

export const encodeEnvelope = (envelope: EventEnvelope): Uint8Array => encodeJson(envelope);

/**
 * Decodes and validates an envelope received on `subject`: size, UTF-8, JSON, the envelope, the type
 * matching the subject, then the payload schema of its type. Throws FleetError INVALID_ARGUMENT whose
 * message names each field at fault and what was expected; `field` holds the first.
 */
export const parseEnvelope = (subject: string, data: Uint8Array, maxBytes = MAX_EVENT_BYTES): EventEnvelope =>
  readEnvelope(subject, decodeJson(data, maxBytes));

/** `parseEnvelope` for what is already decoded. */
export function readEnvelope(subject: string, json: unknown): EventEnvelope {
  const envelope = check(envelopeSchema, json, '');
  if (!isOnSubject(subject, envelope.type))
    throw invalid('type', `"${subject}" (the subject it was published on)`, JSON.stringify(envelope.type));
  return { ...envelope, payload: check(specOf(envelope.type).schema, envelope.payload, 'payload') };
}

/** An event's type is its subject, or a prefix of it for subjects that add routing tokens. */
export const isOnSubject = (subject: string, type: string): boolean => subject === type || subject.startsWith(`${type}.`);
