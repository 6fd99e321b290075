import { describe, expect, it } from 'vitest';
import { encodeEnvelope, makeEnvelope, parseEnvelope } from '../../../core/adapters/nats/event-envelope.js';
import { MAX_EVENT_BYTES } from '../../../core/adapters/nats/event-json.js';
import type { PlanApprovedPayload } from '../../../core/adapters/nats/event-payloads.js';
import { parseEvent } from '../../../core/adapters/nats/fleet-event.js';
import { FleetError } from '../../../core/domain/errors.js';

// The envelope form: what agent turns travel in (parseEnvelope) and one of the two forms a planning
// publisher may use (parseEvent, as every consumer of planning and orchestration events reads them).

const SUBJECT = 'planning.plan.approved';
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const approved = (payload: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: 'evt-1',
  type: SUBJECT,
  version: 1,
  occurred_at: '2025-06-01T10:00:00Z',
  correlation_id: 'plan-7',
  payload,
  ...overrides,
});
const goodPayload: PlanApprovedPayload = { plan_id: 'p-7', story_id: 's-1', approved_by: 'alice', roles: ['DEV', 'QA'] };

function rejection(data: Uint8Array, subject = SUBJECT, parse: (subject: string, data: Uint8Array) => unknown = parseEvent): FleetError {
  try {
    parse(subject, data);
  } catch (e) {
    expect(e).toBeInstanceOf(FleetError);
    expect((e as FleetError).code).toBe('INVALID_ARGUMENT');
    return e as FleetError;
  }
  throw new Error('expected the event to be refused');
}

describe('event envelope', () => {
  it('round-trips a built envelope, snake_case on the wire', () => {
    const envelope = makeEnvelope('planning.plan.approved', goodPayload, {
      eventId: 'e1',
      correlationId: 'p-7',
      occurredAtMs: Date.UTC(2025, 0, 2),
    });
    const wire = new TextDecoder().decode(encodeEnvelope(envelope));
    expect(wire).toContain('"event_id":"e1"');
    expect(wire).toContain('"occurred_at":"2025-01-02T00:00:00.000Z"');
    expect(parseEnvelope(SUBJECT, encodeEnvelope(envelope))).toEqual(envelope);
  });

  it('reads as an event in the envelope form, its payload the fields', () => {
    const event = parseEvent(SUBJECT, bytes(approved({ ...goodPayload, title: 'T', description: 'D' })));
    expect(event).toEqual({
      form: 'envelope',
      type: SUBJECT,
      eventId: 'evt-1',
      occurredAtMs: Date.UTC(2025, 5, 1, 10),
      correlationId: 'plan-7',
      fields: { ...goodPayload, title: 'T', description: 'D' },
    });
  });

  it('takes an envelope without a version as version 1', () => {
    const { version: _, ...unversioned } = approved(goodPayload);
    expect(parseEnvelope(SUBJECT, bytes(unversioned)).version).toBe(1);
    expect(parseEvent(SUBJECT, bytes(unversioned)).fields).toEqual(goodPayload);
  });

  it('takes a plan naming no roles, as the cluster may send it', () => {
    expect(parseEvent(SUBJECT, bytes(approved({ ...goodPayload, roles: [] }))).fields).toMatchObject({ roles: [] });
    expect(parseEvent(SUBJECT, bytes(approved({ ...goodPayload, roles: undefined }))).fields).toMatchObject({ roles: [] });
  });

  it.each([
    [
      'missing plan_id',
      approved({ ...goodPayload, plan_id: undefined }),
      'payload.plan_id',
      /payload\.plan_id: expected a string, got nothing \(missing\)/,
    ],
    ['roles not an array', approved({ ...goodPayload, roles: 'DEV' }), 'payload.roles', /payload\.roles: expected an array, got "DEV"/],
    [
      'an unknown role',
      approved({ ...goodPayload, roles: ['DEV', 'PM'] }),
      'payload.roles[1]',
      /payload\.roles\[1\]: expected one of DEV, QA, ARCHITECT, DEVOPS, DATA, got "PM"/,
    ],
    ['a number for approved_by', approved({ ...goodPayload, approved_by: 42 }), 'payload.approved_by', /expected a string, got number 42/],
    ['a plan id unfit for a task id', approved({ ...goodPayload, plan_id: 'a b' }), 'payload.plan_id', /expected an id of letters, digits/],
    [
      'another envelope version',
      approved(goodPayload, { version: 2 }),
      'version',
      /version: expected 1 \(the envelope version this build reads\), got number 2/,
    ],
    ['a bad time', approved(goodPayload, { occurred_at: 'yesterday' }), 'occurred_at', /occurred_at: expected an ISO 8601 date-time/],
    ['not an object', [1, 2], 'event', /event: expected a JSON object, got an array of 2/],
    [
      'an envelope without its payload',
      (({ payload: _p, ...rest }) => rest)(approved(goodPayload)),
      'payload',
      /payload: expected a JSON object, got nothing \(missing\)/,
    ],
  ])('refuses %s, naming the field', (_what, event, field, message) => {
    const error = rejection(bytes(event));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('reads an envelope strictly where only an envelope will do (agent turns)', () => {
    const camelCase = {
      eventId: 'x',
      type: SUBJECT,
      version: 1,
      occurred_at: '2025-06-01T10:00:00Z',
      correlation_id: 'c',
      payload: goodPayload,
    };
    expect(rejection(bytes(camelCase), SUBJECT, parseEnvelope).message).toMatch(/^event_id: expected a string, got nothing \(missing\)/);
  });

  it('refuses bytes that are not JSON, not UTF-8, or too large, before decoding them', () => {
    expect(rejection(bytes('{"event_id": ')).message).toMatch(/^message: expected JSON, got invalid JSON/);
    expect(rejection(bytes('')).message).toBe('message: expected JSON, got an empty message');
    expect(rejection(new Uint8Array([0xff, 0xfe, 0x00])).message).toBe('message: expected UTF-8 text');
    expect(rejection(new Uint8Array(MAX_EVENT_BYTES + 1)).message).toBe(
      `message: expected at most ${MAX_EVENT_BYTES} bytes, got ${MAX_EVENT_BYTES + 1} bytes`,
    );
  });

  it('refuses an event whose type is not the subject it came on', () => {
    const error = rejection(bytes(approved(goodPayload)), 'planning.plan.rejected');
    expect(error.message).toBe('type: expected "planning.plan.rejected" (the subject it was published on), got "planning.plan.approved"');
  });

  it('reports every problem at once', () => {
    const error = rejection(bytes(approved({ roles: ['XX'] })));
    expect(error.message.split('; ')).toHaveLength(4); // plan_id, story_id, approved_by, roles[0]
  });

  it('checks only that an unknown type has an object payload', () => {
    expect(parseEvent('context.note', bytes(approved({ anything: 1 }, { type: 'context.note' }))).fields).toEqual({ anything: 1 });
    expect(rejection(bytes(approved(null as never, { type: 'context.note' })), 'context.note').field).toBe('payload');
  });
});
