import { z } from 'zod';
import { FleetError } from '../../domain/errors.js';
import { anyPayload, isKnownEventType, type KnownEventType, PAYLOAD_SCHEMAS, type PayloadOf } from './event-payloads.js';

export const ENVELOPE_VERSION = 1;
/** Larger messages are refused before they are decoded. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Every event on the fleet's subjects, as it is on the wire (JSON, snake_case). */
export interface EventEnvelope<P = unknown> {
  /** Unique per event, stable across retries: it is also the Nats-Msg-Id that deduplicates a publish. */
  readonly event_id: string;
  /** The subject the event is published on (or its prefix, for subjects that add routing tokens). */
  readonly type: string;
  readonly version: number;
  /** ISO 8601. */
  readonly occurred_at: string;
  /** Ties together the events of one piece of work (a task id, a plan id). */
  readonly correlation_id: string;
  readonly payload: P;
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const envelopeSchema = z.object({
  event_id: z.string().min(1).max(256),
  type: z.string().regex(SUBJECT, { error: 'a subject such as "planning.plan.approved"' }),
  version: z.literal(ENVELOPE_VERSION, { error: `${ENVELOPE_VERSION} (the envelope version this build reads)` }),
  occurred_at: z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time such as "2025-01-31T12:00:00Z"' }),
  correlation_id: z.string().min(1).max(256),
  payload: z.unknown(),
});

export function makeEnvelope<T extends KnownEventType>(
  type: T,
  payload: PayloadOf[T],
  ids: { readonly eventId: string; readonly correlationId: string; readonly occurredAtMs: number },
): EventEnvelope<PayloadOf[T]> {
  return {
    event_id: ids.eventId,
    type,
    version: ENVELOPE_VERSION,
    occurred_at: new Date(ids.occurredAtMs).toISOString(),
    correlation_id: ids.correlationId,
    payload,
  };
}

export const encodeEnvelope = (envelope: EventEnvelope): Uint8Array => new TextEncoder().encode(JSON.stringify(envelope));

/**
 * Decodes and validates an event received on `subject`: size, UTF-8, JSON, the envelope, the type
 * matching the subject, then the payload schema of its type. Throws FleetError INVALID_ARGUMENT whose
 * message names each field at fault and what was expected; `field` holds the first.
 */
export function parseEnvelope(subject: string, data: Uint8Array, maxBytes = MAX_EVENT_BYTES): EventEnvelope {
  if (data.length > maxBytes) throw invalid('message', `at most ${maxBytes} bytes`, `${data.length} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw invalid('message', 'UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid('message', 'JSON', `${text.length === 0 ? 'an empty message' : `invalid JSON (${(e as Error).message})`}`);
  }
  const envelope = check(envelopeSchema, json, '');
  if (subject !== envelope.type && !subject.startsWith(`${envelope.type}.`)) {
    throw invalid('type', `"${subject}" (the subject it was published on)`, JSON.stringify(envelope.type));
  }
  const payload = isKnownEventType(envelope.type)
    ? check(PAYLOAD_SCHEMAS[envelope.type] as z.ZodType, envelope.payload, 'payload')
    : check(anyPayload, envelope.payload, 'payload');
  return { ...envelope, payload };
}

/** Narrows an envelope to a known type, its payload already checked by `parseEnvelope`. */
export function isEnvelopeOf<T extends KnownEventType>(envelope: EventEnvelope, type: T): envelope is EventEnvelope<PayloadOf[T]> {
  return envelope.type === type;
}

function check<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, root));
  throw new FleetError('INVALID_ARGUMENT', problems.map((p) => p.text).join('; '), { field: problems[0]?.field ?? 'event' });
}

function invalid(field: string, expected: string, got?: string): FleetError {
  return new FleetError('INVALID_ARGUMENT', `${field}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`, { field });
}

function describeIssue(issue: z.core.$ZodIssue, root: string): { field: string; text: string } {
  const path = issue.path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc === '' ? String(key) : `${acc}.${String(key)}`),
    root,
  );
  const field = path === '' ? 'event' : path;
  const input: unknown = 'input' in issue ? issue.input : undefined;
  let expected: string;
  switch (issue.code) {
    case 'invalid_type':
      expected = issue.expected === 'object' ? 'a JSON object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}`;
      break;
    case 'invalid_value':
      expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.join(', ')}`;
      if (issue.message !== undefined && !issue.message.startsWith('Invalid')) expected = issue.message;
      break;
    case 'too_small':
      expected =
        issue.origin === 'string' && Number(issue.minimum) === 1 ? 'a non-empty string' : `at least ${String(issue.minimum)} ${unit(issue.origin)}`;
      break;
    case 'too_big':
      expected = `at most ${String(issue.maximum)} ${unit(issue.origin)}`;
      break;
    default:
      expected = issue.message;
  }
  return { field, text: `${field}: expected ${expected}, got ${describeValue(input)}` };
}

const unit = (origin: string): string => (origin === 'string' ? 'characters' : origin === 'array' ? 'items' : '');

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}..." (${value.length} characters)` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
