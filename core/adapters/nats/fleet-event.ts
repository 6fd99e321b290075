import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type EventEnvelope, type EventIds, isOnSubject, makeEnvelope, readEnvelope } from './event-envelope.js';
import { check, decodeJson, encodeJson, inspect, invalid, MAX_EVENT_BYTES, refuse } from './event-json.js';
import {
  EVENT_TYPE_NAME,
  eventTypeName,
  id,
  isoDateTime,
  type KnownEventType,
  type PayloadOf,
  specOf,
  timestamp,
} from './event-payloads.js';

/**
 * The two forms an event comes in. `flat`: one JSON object, its fields at the top level, as the
 * cluster's services publish (and as we publish ours, so that their consumers can read them).
 * `envelope`: our `{event_id, type, version, occurred_at, correlation_id, payload}`.
 */
export type EventForm = 'flat' | 'envelope';

/** An event as the fleet reads it, whichever form it came in. */
export interface FleetEvent<F = Readonly<Record<string, unknown>>> {
  readonly form: EventForm;
  /** The subject, or the prefix of it that the event names as its type. */
  readonly type: string;
  /**
   * The event's own `event_id`; for a flat event without one, `<type>:<what identifies it>` (a plan
   * approval: its plan id) or, for a type we do not know, `<type>:<hash of its bytes>`.
   */
  readonly eventId: string;
  /** Epoch ms; absent for a flat event that carries no time (context.updated). */
  readonly occurredAtMs?: number;
  readonly correlationId?: string;
  /** A flat event's fields, or an envelope's payload: checked against the type's schema when the type is known. */
  readonly fields: F;
}

/**
 * Decodes and validates an event received on `subject`, in either form: an object with an `event_id`
 * and a `payload` is an envelope (none of the cluster's flat events has a `payload`), anything else is flat. Throws FleetError INVALID_ARGUMENT
 * naming each field at fault as it is on the wire (`plan_id` in a flat event, `payload.plan_id` in an
 * envelope); `field` holds the first.
 */
export function parseEvent(subject: string, data: Uint8Array, maxBytes = MAX_EVENT_BYTES): FleetEvent {
  const json = decodeJson(data, maxBytes);
  return isEnvelope(json) ? fromEnvelope(readEnvelope(subject, json)) : fromFlat(subject, data, json);
}

export const isEventOf = <T extends KnownEventType>(event: FleetEvent, type: T): event is FleetEvent<PayloadOf[T]> => event.type === type;

/** Where one of the event's fields is on the wire, to name it in an error. */
export const fieldPath = (event: FleetEvent, field: string): string => (event.form === 'envelope' ? `payload.${field}` : field);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// By its keys alone, so that an envelope with a bad or missing payload is refused as an envelope,
// naming `payload`. Without a payload, our envelope is told from our flat events by `event_type`,
// which every flat event we publish carries and the envelope never does.
const isEnvelope = (json: unknown): boolean =>
  isObject(json) && 'event_id' in json && ('payload' in json || ('type' in json && 'version' in json && !('event_type' in json)));

const fromEnvelope = (e: EventEnvelope): FleetEvent => ({
  form: 'envelope',
  type: e.type,
  eventId: e.event_id,
  occurredAtMs: Date.parse(e.occurred_at),
  correlationId: e.correlation_id,
  fields: e.payload as Record<string, unknown>,
});

// What a flat event may carry beside its fields: our metadata and the cluster's event_type and timestamp.
// `type` and `version` are not among them: the cluster's dashboard sends its own `type`
// ("plan.approved") and context.updated has a `version` of its own.
const head = {
  event_id: id.optional(),
  correlation_id: id.optional(),
  occurred_at: isoDateTime.optional(),
  event_type: eventTypeName.optional(),
};
const timedHead = z.object({ ...head, timestamp });
const untimedHead = z.object({ ...head, timestamp: timestamp.optional() });
const HEAD_KEYS = new Set(Object.keys(timedHead.shape));

function fromFlat(subject: string, data: Uint8Array, json: unknown): FleetEvent {
  const object = check(z.looseObject({}), json, '');
  const named = object.event_type;
  const type = typeof named === 'string' && EVENT_TYPE_NAME.test(named) ? named : subject;
  if (!isOnSubject(subject, type)) throw invalid('event_type', `"${subject}" (the subject it was published on)`, JSON.stringify(type));
  const spec = specOf(type);
  const fields = inspect(spec.schema, Object.fromEntries(Object.entries(object).filter(([key]) => !HEAD_KEYS.has(key))), '');
  const meta = inspect(spec.timed ? timedHead : untimedHead, object, '');
  if (!fields.ok || !meta.ok) throw refuse([...(fields.ok ? [] : fields.problems), ...(meta.ok ? [] : meta.problems)]);

  const { event_id, correlation_id, occurred_at } = meta.value;
  const occurredAtMs = occurred_at === undefined ? meta.value.timestamp : Date.parse(occurred_at);
  const identity = spec.identity?.(fields.value, occurredAtMs);
  const correlationId = correlation_id ?? identity?.correlationId;
  return {
    form: 'flat',
    type,
    eventId: event_id ?? `${type}:${identity?.key ?? createHash('sha256').update(data).digest('hex').slice(0, 32)}`,
    ...(occurredAtMs === undefined ? {} : { occurredAtMs }),
    ...(correlationId === undefined ? {} : { correlationId }),
    fields: fields.value,
  };
}

/** What every event we publish carries beside its fields: our metadata, and the event_type and timestamp the cluster's consumers read. */
export interface FlatHead {
  readonly event_id: string;
  readonly type: string;
  readonly version: number;
  /** ISO 8601, to the millisecond. */
  readonly occurred_at: string;
  readonly correlation_id: string;
  /** The same as `type`, under the name the cluster's consumers look for. */
  readonly event_type: string;
  /** Epoch seconds with a fraction, as the cluster's consumers read it. */
  readonly timestamp: number;
}
export type FlatEvent<F = unknown> = FlatHead & F;

/** Our envelope's metadata, flattened beside the fields and the cluster's event_type and timestamp. */
export function makeFlatEvent<T extends KnownEventType>(type: T, fields: PayloadOf[T], ids: EventIds): FlatEvent<PayloadOf[T]> {
  const { payload: _payload, ...head } = makeEnvelope(type, fields, ids);
  return { ...head, event_type: type, timestamp: ids.occurredAtMs / 1000, ...fields };
}

export const encodeFlatEvent = (event: FlatEvent): Uint8Array => encodeJson(event);
